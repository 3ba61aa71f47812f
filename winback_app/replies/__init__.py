"""Replies: a patient's text, from the webhook to the right person. The decisions are the engine's (engine/replies.py
understands, engine/reply_plan.py plans, engine/triage.py, faq.py, routing.py, waiting.py); these modules read and write.

handler.py      record a text once (reply row, conversation, opt-out), then act on it: the webhook's two steps
effects.py      what a reply does to its number (opt-out, opt-in, wrong number) and its lapse (lapses.lifecycle)
answers.py      the automatic answer's words, worked out only for the answer the plan chose
routing.py      a person's live alert and ToDo (short job), and the five-minute safety net
reminders.py    replies nobody answered remind their assignee, then the managers
faq_answers.py  the practice's answers to common questions, read once into the engine's index; the examples
"""
