"""Where messages enter and leave: the only code that knows a provider.

    registry.py   channel types and their capabilities, and the providers behind them
    gateway.py    what a provider's routes may ask of Orienta (receive, send, report)
    base.py       the sender port and the send errors the dispatcher understands
    layout.py     menus, length limits, and how a reply reads on a phone
    gsm7.py       GSM-7 folding and the SMS segment counter
    phones.py     phone numbers in E.164
    twilio/       SMS and WhatsApp through Twilio
    telegram/     Telegram through the Bot API
    email.py      e-mail to partners' focal points (SMTP)
    console.py    the terminal (`orienta chat`)
    simulator.py  the admin's simulator: SMS, WhatsApp and Telegram for test people

Adding a channel is one folder and one registration: docs/architecture.md.
"""
