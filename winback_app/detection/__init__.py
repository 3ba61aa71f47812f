"""Detection: who has lapsed, and into which campaign. The decisions are engine/detection.py's.

run.py     detect_lapses (the nightly job) and preview (one campaign, writes nothing): read, decide, write
reader.py  the host's facts, set-based: last visits, future appointments, exclusions, cooldowns, rule evidence
writer.py  the only writer of new lapses and their planned touches, in bulk
rescue.py  the five-minute missed-appointment trigger
"""
