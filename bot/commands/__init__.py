"""Subcommands of `orienta` that are tools rather than processes, kept apart from the
command's composition root (bot/cli.py).

    audio.py      `orienta audio add|missing`: recorded prompts
    sms_cost.py   `orienta sms-cost`: the SMS parts an orientation costs, per language
"""
