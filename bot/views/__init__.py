"""Rendering: HTML texts and inline keyboards, one module per feature.

Keyboards are built as Bot API JSON (`{"inline_keyboard": [...]}`) so that services can queue
them in the outbox without importing `telegram`; handlers turn them into markup objects.
"""
