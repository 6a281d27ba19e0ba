"""Domain rules: state machines, money, permissions. Imports neither telegram nor aiosqlite."""
