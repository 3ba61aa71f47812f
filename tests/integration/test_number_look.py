"""sending.look: the last look at a number's opt-out, read for the next few texts at once and never used longer
than LOOK_MAX_AGE."""

from winback_app.contacts.optouts import block_number
from winback_app.sending import look as look_module
from winback_app.sending.look import LOOK_MAX_AGE, NumberLook

from .base import WinBackTestCase

NUMBERS = [f"+1201555{n:04d}" for n in range(170, 175)]  # (201) 555-0170..0174: fictional


class TestNumberLook(WinBackTestCase):
	def test_one_read_covers_the_next_numbers_and_a_stale_look_is_read_again(self):
		now = [100.0]
		reads = []
		real_read = NumberLook.read

		def counting_read(self, number):
			reads.append(number)
			return real_read(self, number)

		block_number(NUMBERS[1], "Opted Out", source="Reply", words="STOP")
		look = NumberLook(NUMBERS, clock=lambda: now[0])
		look.read = counting_read.__get__(look)
		self.assertIsNone(look.reason(NUMBERS[0]))
		self.assertEqual(look.reason(NUMBERS[1]), "Number opted out of texts")
		self.assertEqual(len(reads), 1, "one query for the chunk's next numbers")

		# an opt-out recorded after the look is seen once the look is older than LOOK_MAX_AGE, never later
		block_number(NUMBERS[3], "Invalid Number", source="Carrier", words="Twilio 21211")
		now[0] += LOOK_MAX_AGE / 2
		self.assertIsNone(look.reason(NUMBERS[2]))
		now[0] += LOOK_MAX_AGE
		self.assertEqual(look.reason(NUMBERS[3]), "Number flagged: Invalid Number")
		self.assertEqual(len(reads), 2)

	def test_a_number_outside_the_chunk_is_read_on_its_own(self):
		block_number(NUMBERS[4], "Opted Out", source="Reply", words="STOP")
		look = NumberLook(NUMBERS[:2])
		self.assertEqual(look.reason(NUMBERS[4]), "Number opted out of texts")
		self.assertEqual(look.covered, {NUMBERS[4]})

	def test_look_ahead_is_bounded(self):
		many = [f"+1202555{n:04d}" for n in range(100, 100 + look_module.LOOK_AHEAD + 10)]
		look = NumberLook(many)
		look.reason(many[0])
		self.assertEqual(len(look.covered), look_module.LOOK_AHEAD)
