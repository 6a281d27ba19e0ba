"""`python -m bench.bare_bot`: the floor for start-up — a stock PTB Application whose only
handler replies, polling with `run_polling` (same environment variables as `python -m bot`)."""

from __future__ import annotations

import os

from telegram import Update
from telegram.ext import ApplicationBuilder, ContextTypes, MessageHandler, filters


async def reply(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    if update.effective_message is not None:
        await update.effective_message.reply_text("ok")


def main() -> None:
    app = (ApplicationBuilder().token(os.environ["BOT_TOKEN"])
           .base_url(os.environ["BOT_API_BASE_URL"]).build())
    app.add_handler(MessageHandler(filters.ALL, reply))
    app.run_polling(allowed_updates=Update.ALL_TYPES)


if __name__ == "__main__":
    main()
