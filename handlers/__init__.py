"""Thin Telegram adapters: parse the update, call one service, render the reply."""
