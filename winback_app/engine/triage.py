"""Safety triage of a patient's text: does it name something only a person may answer, and how urgent is it?

One job: triage(text) -> Finding | None, run before any intent is read. A text that names pain, bleeding,
swelling, fever, infection, an injury, an emergency, a complaint, a billing dispute, a death or another
sensitive matter goes to a person every time, whatever else it says ("Yes, my tooth really hurts" is clinical,
not a booking). Levels, most pressing first:

- URGENT: signs that cannot wait for office hours: swelling of the face, jaw, eye, neck or mouth (any swelling
  not limited to the gums), fever together with a dental complaint, bleeding that will not stop, trauma (a
  knocked-out, broken or cracked tooth, a broken jaw, an accident, a fall, a blow to the face), severe pain
  (pain with "severe", "unbearable", "can't sleep", "killing me"...), an abscess or pus, trouble breathing or
  swallowing, chest pain, fainting, seizures, stroke signs, allergic reactions, overdose or poisoning, the words
  emergency / urgent / ER / 911, self-harm (crisis=True) and abuse.
- CLINICAL: everything else about the body or a treatment: pain and aches, sensitivity, bleeding gums,
  swollen gums, fever alone, infection, numbness, chipped teeth, lost fillings or crowns, loose teeth,
  medication, pregnancy, surgery or hospital stays, and any question naming a treatment (root canal, crown,
  filling, implant, extraction, braces, x-rays...).
- BEREAVEMENT: a death. SENSITIVE: divorce, custody, restraining orders, depression.
- COMPLAINT: rude staff, terrible service, lawyers, lawsuits, reviews, boards, malpractice.
- BILLING: disputes and money owed: charged twice, overcharged, refunds, a wrong bill, denied insurance claims,
  collections, balances, payment plans.
A mere mention of a treatment, a medicine or a medical condition is CLINICAL only when nothing else is found:
"you botched my filling" is a complaint and "the bill for my crown is wrong" a billing matter, while a symptom
("my crown hurts, and the bill is wrong") stays clinical.

Negation is read narrowly, clause by clause: a sign is ignored only when a negator sits right before it in the
same clause, with at most a few filler words between ("no pain", "not in any pain", "it doesn't hurt",
"no me duele", "not an emergency", "pain-free"). "No, my tooth hurts" and "not sure if it's an emergency" are
not negations. When in doubt the sign stands: a person reading a harmless text costs a minute, a missed
emergency costs far more. Patterns run on the normalized forms of engine.wording (case-folded, accent-free,
apostrophes dropped), English and Spanish. Standard library only; this module never performs I/O.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from winback_app.engine.wording import clauses, flatten

URGENT = "Urgent"
CLINICAL = "Clinical"
BEREAVEMENT = "Bereavement"
SENSITIVE = "Sensitive"
COMPLAINT = "Complaint"
BILLING = "Billing"

# Most pressing first: a text naming several is filed under the first.
LEVELS = (URGENT, CLINICAL, BEREAVEMENT, SENSITIVE, COMPLAINT, BILLING)


@dataclass(frozen=True)
class Finding:
	level: str  # one of LEVELS
	sign: str  # which rule decided, e.g. "swelling", "self-harm", "billing dispute"
	matched: str  # the words that decided, for the audit trail
	crisis: bool = False  # self-harm: the answer names a crisis line, not only the emergency number


# --- Context tests for signs whose urgency depends on what else the text says.

_FACE = re.compile(
	r"\b(?:face|facial|jaw|jaws|cheek|cheeks|eye|eyes|neck|throat|lip|lips|tongue|chin|mouth|head|cara|mejilla"
	r"|cachete|mandibula|quijada|ojo|ojos|cuello|garganta|labio|labios|lengua|boca)\b"
)
_GUMS = re.compile(r"\b(?:gum|gums|gumline|encia|encias)\b")
_DENTAL = re.compile(
	r"\b(?:tooth|teeth|toothache|molar|molars|gum|gums|jaw|mouth|face|cheek|pain|painful|hurts?|hurting|ache"
	r"|aching|swell\w*|swollen|infect\w*|abscess\w*|extraction|filling|crown|root canal|muela|muelas|diente"
	r"|dientes|encia|encias|boca|cara|dolor|duele|hinchad\w*|infeccion|absceso)\b"
)
_SEVERE = re.compile(
	r"\b(?:severe|severely|extreme|extremely|excruciating|unbearable|intense|agony|agonizing|worst|killing me"
	r"|killin me|throbbing|debilitating|insane|crazy bad|so bad|really bad|very bad|awful|terrible|horrible"
	r"|cant sleep|can not sleep|cannot sleep|couldnt sleep|cant eat|cannot eat|cant function|cant take it"
	r"|getting worse|gotten worse|worse and worse|spreading|crying|screaming|tears|emergency|asap"
	r"|painkillers? (?:arent|are not|dont|do not|isnt|is not|not) (?:working|helping|help)"
	r"|so much|a lot|really really|mucho|mucha|fuerte|fuertisimo|intenso|insoportable|terrible|horrible|muchisimo|demasiado|no aguanto|no puedo dormir"
	r"|no puedo comer|me esta matando|llorando|empeorando|cada vez peor)\b"
)


def _swelling_level(clause: str, _flat: str) -> str:
	if _GUMS.search(clause) and not _FACE.search(clause):
		return CLINICAL
	return URGENT


def _fever_level(_clause: str, flat: str) -> str:
	return URGENT if _DENTAL.search(flat) else CLINICAL


def _pain_level(clause: str, _flat: str) -> str:
	return URGENT if _SEVERE.search(clause) else CLINICAL


@dataclass(frozen=True)
class _Rule:
	sign: str
	pattern: re.Pattern
	level: str | Callable[[str, str], str]
	negatable: bool = True
	crisis: bool = False
	weak: bool = False  # a mention (a treatment's name, a medicine): a complaint or a bill about it wins


def _rule(sign, level, pattern, *, negatable=True, crisis=False, weak=False) -> _Rule:
	return _Rule(sign, re.compile(pattern), level, negatable, crisis, weak)


_RULES = (
	# --- Urgent, whatever the context.
	_rule(
		"self-harm",
		URGENT,
		r"\bsuicid\w*|\bkill(?:ing)? my ?self\b|\bend(?:ing)? (?:my life|it all)\b"
		r"|\bself ?harm\w*|\b(?:hurt|harm|cut|cutting|hurting|harming) my ?self\b"
		r"|\b(?:dont|do not) want to (?:live|be alive|be here anymore)\b|\b(?:want|wanna|going) to die\b"
		r"|\bno quiero vivir\b|\bquitarme la vida\b|\bmatarme\b|\bsuicidarme\b|\bhacerme dano\b",
		negatable=False,
		crisis=True,
	),
	_rule(
		"abuse",
		URGENT,
		r"\babus(?:e|es|ed|ive|ing|er|ers)\b|\bdomestic violence\b|\bassault\w*|\b(?:he|she|they) (?:hits|beats|hit|beat)"
		r" me\b|\bbeats me\b|\bviolencia (?:domestica|familiar)\b|\babuso\w*|\bme (?:pega|golpea|maltrata)\b",
	),
	_rule(
		"breathing",
		URGENT,
		r"\b(?:cant|can not|cannot|couldnt|could not|unable to|hard to|struggling to|trouble|difficulty|difficult"
		r"|problems?|hard time) (?:to )?(?:breath|breathe|breathing|swallow|swallowing)\b"
		r"|\bshort(?:ness)? of breath\b|\bthroat (?:\w+ ){0,4}?(?:closing|closing up|tight)\b"
		r"|\b(?:cant|can not|cannot|couldnt|hard to|unable to|trouble|difficulty|struggling to) (?:\w+ )?open(?:ing)?"
		r" my mouth\b|\bno puedo abrir la boca\b"
		r"|\bno puedo (?:respirar|tragar)\b|\bme falta el aire\b|\bdificultad para (?:respirar|tragar)\b",
		negatable=False,
	),
	_rule(
		"chest pain or collapse",
		URGENT,
		r"\bchest (?:pain|pains|hurts|is hurting|tight\w*|pressure)\b|\bpain in (?:my |the )?chest\b"
		r"|\bheart attack\b|\bstroke\b|\bseizure\w*|\bfaint\w*|\bpass(?:ed)? out\b|\bpassing out\b"
		r"|\bunconscious\b|\bcollapsed\b|\bslurred speech\b|\bface (?:is )?droop\w*"
		r"|\bdolor (?:de|en el) pecho\b|\binfarto\b|\bdesmay\w*|\bconvulsi\w*",
	),
	_rule(
		"allergic reaction",
		URGENT,
		r"\ballerg\w* reaction\b|\banaphyla\w*|\bhives\b|\bepi ?pen\b|\breaccion alergica\b",
	),
	_rule(
		"overdose or poisoning",
		URGENT,
		r"\boverdos\w*|\bpoison\w*|\bswallowed (?:a|the|some|my)\b|\bsobredosis\b|\benvenenad\w*|\bse trago\b",
	),
	_rule(
		"uncontrolled bleeding",
		URGENT,
		r"\b(?:wont|will not|doesnt|does not|cant|cannot|can not|couldnt|hasnt|has not|didnt|did not|not|never)"
		r" stop(?:ped)? (?:the )?(?:bleeding|bleed)\b"
		r"|\bbleeding (?:wont|will not|doesnt|does not|hasnt|has not|didnt|did not|isnt|is not|wouldnt) stop"
		r"|\bkeeps? (?:on )?bleeding\b|\bstill bleeding\b|\bbleeding (?:a lot|heavily|badly|so much|nonstop|non stop"
		r"|everywhere|for hours|all (?:day|night)|like crazy|profusely)\b|\bbleeding out\b"
		r"|\b(?:heavy|heavily|lots of|a lot of|so much|tons of|excessive) (?:bleeding|blood)\b|\bblood everywhere\b"
		r"|\bno (?:para|deja) de sangrar\b|\bsigue sangrando\b|\bsangra (?:mucho|demasiado|sin parar)\b"
		r"|\bmucha sangre\b|\bsangrado (?:abundante|fuerte|que no para)\b",
	),
	_rule(
		"trauma",
		URGENT,
		r"\bknock(?:ed|s)? (?:out )?(?:my |his |her |their |a |the |two |2 |some )?(?:front )?(?:tooth|teeth)"
		r"(?: out)?\b|\b(?:tooth|teeth) (?:got |was |were |been )?knocked\b"
		r"|\b(?:tooth|teeth) (?:fell|came|come|got) out\b"
		r"|\b(?:broke|broken|break|breaking|cracked|cracking|crack|fractured|fracture|shattered|split|snapped)"
		r" (?:off )?(?:my |his |her |their |a |the |one |two |2 |of my |in half |front )*(?:tooth|teeth|molar"
		r"|molars|jaw|jawbone|incisor)\b"
		r"|\b(?:tooth|teeth|molar|jaw|jawbone) (?:is |are |got |was |has |have |just )*(?:broke|broken|cracked"
		r"|fractured|shattered|split|snapped)\b"
		r"|\binjur\w*|(?<!by )(?<!an )\baccident\b|\bcar (?:crash|wreck)\b|\btrauma\b|\bconcussion\b"
		r"|\b(?:got|was|been|get|getting) (?:hit|punched|kicked|elbowed|smacked)\b"
		r"|\b(?:hit|punched|kicked|elbowed|smacked) (?:me )?(?:in|on) (?:the |my )?(?:face|mouth|jaw|teeth|tooth"
		r"|head)\b|\b(?:i|he|she|they|we|kid|son|daughter) (?:fell|tripped)\b|(?<!crown )(?<!filling )(?<!cap )(?<!bridge )(?<!veneer )(?<!bracket )(?<!retainer )(?<!denture )"
		r"(?<!dentures )(?<!temporary )(?<!temp )\bfell (?:down|off|over|on my"
		r"|on his|on her|and|face first|flat)\b|\b(?:took|had) a (?:bad )?fall\b"
		r"|\baccidente\b|\bgolpe\w*|\bme cai\b|\bse cayo (?!el empaste|la corona)\b|\blesion\w*|\bherid[oa]s?\b"
		r"|\b(?:diente|muela|dientes|muelas|mandibula) (?:roto|rota|rotos|quebrad[oa]s?|partid[oa]s?|fracturad[oa]s?)"
		r"|\bse me (?:rompio|quebro|partio|cayo) (?:un |el |la |una |mi )?(?:diente|muela)\b",
	),
	_rule(
		"severe pain",
		URGENT,
		r"\b(?:tooth|teeth|molar|jaw|mouth|gum|gums|face|head|it|muela|diente|dientes|boca) (?:is |are |r |s |re"
		r" |has been |have been )?(?:killing me|killin me|killn me|kiling me)\b|\bme esta matando\b|\bin agony\b",
	),
	_rule("abscess", URGENT, r"\babscess\w*|\babcess\w*|\babsess\w*|\bpus\b|\babsceso\w*"),
	_rule(
		"emergency",
		URGENT,
		r"\bemerg\w*\b(?! contacts?\b)|\burgent\w*|\burgenc\w*|\b(?:the|to|in|at|an) er\b|\b911\b|\bemergencia\w*|\burgente\w*"
		r"|\burgencias?\b|\bhospital de emergencia\b",
	),
	# --- Depends on context: the level functions above decide.
	_rule(
		"swelling",
		_swelling_level,
		r"\bswell\w*|\bswol+en\b|\bswolen\b|\bsweling\b|\bpuff(?:y|ed up)\b|\bhinchad[oa]s?\b|\bhinchazon\b"
		r"|\b(?:face|cheek|jaw|lip|eye|chin) (?:\w+ ){0,4}?(?:getting bigger|bigger|ballooning|blown up)\b"
		r"|\binflamad[oa]s?\b|\binflamacion\b|\bse me hincho\b",
	),
	_rule(
		"fever",
		_fever_level,
		r"\bfever\w*|\bfevr\b|\bfeaver\b|\bhigh temp\w*|\bchills\b|\bfiebre\b|\bcalentura\b",
	),
	_rule(
		"pain",
		_pain_level,
		r"\bpain(?:s|ful|fully)?\b|\bpian\b|\bouch\b|\bow my\b|\bhurt(?:s|ing|in|z)?\b|\bhurst\b|\baches?\b|\baching\b|\bachy\b"
		r"|\btooth ?ache\w*|\btoothace\b|\bsore\b|\bsoreness\b|\bthrob\w*|\btender\b|\bdiscomfort\b"
		r"|\bdolor\w*|\b(?:me |le |te )?duel[ea]n?\b|\bdoliendo\b|\bmolestia\w*|\badolorid[oa]s?\b",
	),
	# --- Clinical.
	_rule(
		"bleeding",
		CLINICAL,
		r"\bbleed\w*|\bbled\b|\bbleding\b|\bblood\w*|\bsangr\w*",
	),
	_rule(
		"sensitivity",
		CLINICAL,
		r"\bsensitiv\w* (?:to|teeth|tooth|gums|when)\b|\bsensitivity\b|\b(?:tooth|teeth|gums) (?:are |is |feel |feels"
		r" |so |really |very |super )*sensitive\b|\bsensibilidad\b|\bsensibles?\b",
	),
	_rule("infection", CLINICAL, r"\binfect\w*|\binfeccion\w*|\binfectad[oa]s?\b"),
	_rule(
		"numbness",
		CLINICAL,
		r"\bnumb\b|\bnumbness\b|\bnumbed\b|\bnumbing\b|\bstill numb\b|\btingl\w*|\badormecid[oa]s?\b"
		r"|\bentumecid[oa]s?\b|\bhormigueo\b",
	),
	_rule(
		"damaged tooth or work",
		CLINICAL,
		r"\bchip(?:ped|s)?\b(?: (?:my |a |the )?(?:tooth|teeth))?|\blost (?:a |my |the )?(?:filling|crown|cap"
		r"|bridge|veneer|temporary)\b|\b(?:filling|crown|cap|bridge|veneer|bracket|wire|retainer|denture|dentures"
		r"|implant|stitches|stitch|temporary|temp) (?:just )?(?:fell|came|come|popped|falls|fall|broke|cracked"
		r"|is loose|loose|is off|came off)\b|\bloose (?:tooth|teeth|crown|filling)\b|\b(?:tooth|teeth) (?:is |are"
		r" |feels? |feel )?(?:loose|wiggly|wobbly)\b|\bdry socket\b|\block ?jaw\b|\bjaw (?:clicks|clicking|locked"
		r"|locks|pops|popping)\b|\btmj\b|\bgrind(?:s|ing)?\b|\bclenching\b|\bcanker\b|\bulcer\w*|\blump\b|\bmouth sores?"
		r"|\bbump on my (?:gum|gums|tongue|lip)\b|\bbad breath\b|\bse me cayo (?:el empaste|la corona)\b"
		r"|\bdiente flojo\b|\bmuela floja\b",
	),
	_rule(
		"medication",
		CLINICAL,
		r"\bantibiotic\w*|\bmedication\w*|\bmedicine\w*|\bmeds\b|\bprescri\w*|\bibuprofen\b|\badvil\b|\btylenol\b"
		r"|\bmotrin\b|\baleve\b|\bpain ?killers?\b|\bamoxi\w*|\bpenicillin\b|\bopioid\w*|\bnarcotic\w*"
		r"|\bblood thinner\w*|\bwarfarin\b|\beliquis\b|\bmedicament\w*|\bmedicina\w*|\bantibiotico\w*"
		r"|\breceta\b|\bpastillas?\b",
		weak=True,
	),
	_rule(
		"medical condition",
		CLINICAL,
		r"\bpregnan\w*|\bexpecting a baby\b|\bbreast ?feeding\b|\bembarazad[oa]s?\b|\bembarazo\b"
		r"|\bsurger(?:y|ies)\b|\boperation\b|\bhospital\w*|\bchemo\w*|\bcancer\b|\bradiation\b|\bdiabet\w*"
		r"|\bheart condition\b|\bpacemaker\b|\ballerg\w*|\bcovid\b|\bcirugia\w*|\boperacion\b|\bquimio\w*"
		r"|\balergi\w*",
		weak=True,
	),
	_rule(
		"treatment question",
		CLINICAL,
		r"\broot canals?\b|\bcrowns?\b|\bfillings?\b(?! (?:out|in) (?:the|a|my|your|this|that|those|these)?"
		r" ?(?:form|forms|paperwork))|\bimplants?\b|\bextract\w*|\b(?:tooth|teeth|molar) (?:pulled|removed)\b"
		r"|\bpull(?:ed)? (?:a |my |the )?(?:tooth|teeth|molar)\b|\bwisdom (?:tooth|teeth)\b|\bbraces\b"
		r"|\binvisalign\b|\baligners?\b|\bretainers?\b|\bdentures?\b|\bbridge\b|\bveneers?\b|\bdeep clean\w*"
		r"|\bscaling\b|\bgum disease\b|\bperiodont\w*|\bgingivitis\b|\bcavit(?:y|ies)\b|\bdecay\b|\bx ?rays?\b"
		r"|\bbiopsy\b|\banesthe\w*|\banaesthe\w*|\bnovocaine\b|\bsedation\b|\bsedated\b|\blaughing gas\b|\bnitrous\b"
		r"|\bendodont\w*|\boral surgeon\b|\bdiagnos\w*|\b(?:test|lab|xray|x ray|biopsy|my) results\b"
		r"|\b(?:tratamiento de )?conducto\b|\bcoronas?\b|\bempastes?\b|\bextraccion\b|\bmuela del juicio\b"
		r"|\bfrenos\b|\bcaries\b|\bradiografia\w*|\banestesia\b|\bimplantes?\b|\bdentadura\b",
		weak=True,
	),
	# --- Bereavement and other sensitive matters.
	_rule(
		"death",
		BEREAVEMENT,
		r"\bpass(?:ed)? away\b|\bpassed on\b|(?<!phone )(?<!battery )(?<!car )(?<!it )\bdied\b|\bdeceased\b"
		r"|\bdeath\b|\bfuneral\b|\bno longer with us\b|\brest in peace\b"
		r"|\b(?:he|she|hes|shes|husband|wife|mom|mother|dad|father|son|daughter|brother|sister|grandma|grandpa"
		r"|grandmother|grandfather|partner|child|patient) (?:is |was |has )?(?:been )?dead\b"
		r"|\blost (?:my |our |the )(?:husband|wife|mother|mom|father|dad|son|daughter|brother|sister|grandma"
		r"|grandpa|grandmother|grandfather|partner|child|baby)\b"
		r"|\bfallec\w*|\bmurio\b|\bmuerto\b|\bmuerta\b|\bdifunt[oa]\b|\ben paz descanse\b|\bqepd\b|\bvelorio\b"
		r"|\bperdi a mi\b",
		negatable=False,
	),
	_rule(
		"sensitive matter",
		SENSITIVE,
		r"\bdivorc\w*|\bcustody\b|\brestraining order\b|\bprotective order\b|\bdepress\w*|\bmental health\b"
		r"|\bgrief\b|\bgrieving\b|\bdivorci\w*|\bdepresion\b",
		negatable=False,
	),
	# --- Complaints.
	_rule(
		"complaint",
		COMPLAINT,
		r"\brude\w*|\bdisrespect\w*|\bunprofessional\b|\bincompeten\w*|\b(?:terrible|horrible|awful|horrendous"
		r"|bad|poor|worst|lousy|shitty|crappy|pathetic|disgusting|unacceptable) (?:customer |dental |medical )?"
		r"(?:service|experience"
		r"|staff|dentist|dentists|office|care|job|work|treatment|people|hygienist|receptionist|front desk|clinic"
		r"|practice|communication)\b|\bcomplain\w*|\bcomplaint\w*|\blawyer\w*|\battorney\w*|\blawsuit\w*"
		r"|\blegal action\b|\b(?:sue|suing) (?:you|your|the|them|this|u)\b|\b(?:will|gonna|going to|im going to"
		r"|ill|i will|should) sue\b|\breport(?:ing)? (?:you|your|this|the office|them|u)\b|\bbetter business"
		r" bureau\b|\bbbb\b|\byelp\b|\bbad review\b|\b(?:1|one) star\b|\bdental board\b|\bstate board\b"
		r"|\bmalpractice\b|\bnegligen\w*|\bbotched\b|\b(?:messed|screwed|fucked) up my\b|\bruined my\b"
		r"|\bscam\w*|\bripp(?:ed|ing) (?:me |us )?off\b|\brip (?:me |us )?off\b|\bharassment\b|\bdisgusted\b|\boutraged\b|\bfurious\b"
		r"|\bqueja\w*|\bquejar\w*|\bgroser[oa]s?\b|\bmaleducad[oa]s?\b|\bmal servicio\b|\bpesim[oa]\b"
		r"|\bterrible (?:servicio|atencion)\b|\bmala atencion\b|\babogad[oa]s?\b|\bdemanda\w*|\bdenunci\w*"
		r"|\bestafa\w*|\bnegligencia\b",
		negatable=False,
	),
	# --- Billing disputes and money owed.
	_rule(
		"billing dispute",
		BILLING,
		r"\bcharged (?:me |us |my card )?(?:twice|double|two times|2 times|2x|again|extra|too much)\b"
		r"|\bdouble (?:charged|billed|charge|charges|billing)\b|\bover ?charg\w*|\bover ?bill\w*|\brefund\w*"
		r"|\bmoney back\b|\breimburs\w*|\b(?:bill|invoice|statement|charge|charges|balance|copay|co pay|amount)"
		r" (?:is |was |seems |looks )?(?:wrong|incorrect|a mistake|an error|not right|too high|off)\b"
		r"|\b(?:wrong|incorrect|mistaken|unexpected|surprise|extra|unauthori[sz]ed|mystery|random) (?:bill|charge"
		r"|charges|amount|invoice|statement|balance|fee)\b|\bbilling\b"
		r"|\bwhy (?:was|am|did|is|were|are) (?:i|my card|my account|we|you) (?:charged|billed|charging|billing"
		r"|getting billed|being billed|being charged)\b|\b(?:insurance|claim|claims) (?:was |got |has been |is )?"
		r"(?:denied|rejected|declined|refused|didnt pay|did not pay|wont pay|will not pay|never paid)\b"
		r"|\b(?:denied|rejected|declined) (?:my |the |our )?claim\b|\bcollections?\b|\bdebt\b|\bdisput\w*"
		r"|\b(?:the|my|a|this|that|your|last|final|latest|dental|new|big|huge|another) (?:bill|invoice|statement)\b"
		r"|\bbill (?:for|from|says|shows)\b|\bbilled\b|\boutstanding balance\b|\bmy balance\b|\b(?:do|how much do)"
		r" (?:i|we) owe\b|\bi owe (?:you )?(?:money|anything|a balance|\d+)\b|\balready paid\b|\bpaid (?:it |this"
		r" |that )?(?:already|twice)\b|\bpayment plan\b|\bmake a payment\b|\bpay (?:my|the|this|that|our)"
		r" (?:bill|balance|invoice|statement)\b|\bfinancing\b|\binstall?ments?\b"
		r"|\bfactura\w*|\bcobr(?:o|aron|ado|aran|an|ando|arme)\b|\bcobro\w*|\breembols\w*|\bdevolucion\b"
		r"|\bcargos?\b|\bcobranza\b|\bdeuda\b|\bsaldo\b|\bya pague\b|\bseguro (?:nego|rechazo|no pago|no cubrio)\b",
		negatable=False,
	),
)

# A negator right before a sign in the same clause, with at most three filler words between: "no pain",
# "not in any pain", "doesn't really hurt", "no me duele", "isn't an emergency", "nothing urgent".
_NEGATED_BEFORE = re.compile(
	r"(?:^|\s)(?:no|not|without|sin|zero|never|nunca|ni|nothing|none|isnt|arent|wasnt|werent|doesnt|dont|didnt"
	r"|havent|hasnt|aint|no longer|ya no|nada|nada de|its not|thats not)"
	r"(?:\s(?:any|more|real|major|serious|much|really|even|actually|a|an|the|signs?|of|mas|ningun|ninguna|tipo"
	r"|de|me|te|le|la|lo|es|una|un|tengo|tiene|have|has|had|got|feel|felt|feeling|been|in|at|all|obvious|visible"
	r"|is|its|it|was|that|too|very|so|super|hay|siento|experiencing|having|ningun|nothing|currently|now"
	# a list of signs under one negator: "no pain or swelling", "sin dolor ni sangrado"
	r"|or|nor|o|ni|pain|swelling|bleeding|fever|sensitivity|numbness|dolor|sangrado|hinchazon|fiebre))"
	r"{0,3}\s?$"
)
# A sign followed by "free": "pain free", "pain-free".
_NEGATED_AFTER = re.compile(r"^\s?free\b")


def triage(text: str) -> Finding | None:
	"""The most pressing sign a normalized text names (engine.wording.normalize's `text`), or None."""
	if not text:
		return None
	flat = flatten(text)
	best: Finding | None = None
	best_rank = float("inf")
	for clause in clauses(text):
		for rule in _RULES:
			for found in rule.pattern.finditer(clause):
				if rule.negatable and _is_negated(clause, found):
					continue
				level = rule.level if isinstance(rule.level, str) else rule.level(clause, flat)
				# A mere mention of a treatment ranks after complaints and bills ("the bill for my crown is
				# wrong" is Billing); a symptom ranks before them.
				rank = LEVELS.index(level) + (len(LEVELS) - 0.5 if rule.weak else 0)
				if rank < best_rank:
					best, best_rank = Finding(level, rule.sign, found.group(0).strip(), rule.crisis), rank
					if rank == 0 and rule.crisis:
						return best
				break  # one match per rule and clause is enough
	return best


def _is_negated(clause: str, found: re.Match) -> bool:
	# A negator and three fillers fit in 80 characters; looking no further keeps a long text linear.
	start = found.start()
	before = clause[max(0, start - 80) : start]
	if start > 80:
		before = before[before.find(" ") + 1 :]  # from a word's start, never from the middle of one
	return bool(_NEGATED_BEFORE.search(before) or _NEGATED_AFTER.match(clause[found.end() : found.end() + 8]))


# Surface phrases that must always read URGENT (English and Spanish), for tests and the property test.
URGENT_EXAMPLES = (
	"my face is swollen",
	"my cheek is swelling up",
	"swollen jaw",
	"there is swelling under my eye",
	"fever and my tooth hurts",
	"I have a fever and a toothache",
	"it won't stop bleeding",
	"bleeding a lot since the extraction",
	"knocked out my front tooth",
	"my son's tooth got knocked out",
	"I broke my tooth",
	"cracked tooth",
	"broken jaw",
	"was in a car accident",
	"got hit in the mouth",
	"fell and hit my face",
	"severe tooth pain",
	"the pain is unbearable",
	"my tooth is killing me",
	"can't sleep from the pain",
	"abscess",
	"there's pus coming out of my gum",
	"can't breathe",
	"trouble swallowing",
	"chest pain",
	"I think I'm having an allergic reaction",
	"hives all over after the medicine",
	"I fainted",
	"emergency",
	"this is urgent",
	"I'm in the ER",
	"I want to kill myself",
	"thinking about suicide",
	"my husband abuses me",
	"me duele mucho la muela",
	"tengo la cara hinchada",
	"tengo fiebre y dolor de muela",
	"no para de sangrar",
	"se me rompió un diente",
	"es una emergencia",
	"urgente",
	"no puedo respirar",
	"dolor de pecho",
	"tuve un accidente",
)
