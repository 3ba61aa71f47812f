"""Which language a patient wrote in: "es" or "en", so an automatic answer can go back in the same language.

One job: detect(body) -> "es" | "en". Patients' texts are short, so this counts marker words (function words
and the words a reply to a clinic uses) rather than running a statistical model: "Sí", "ahora no", "me duele"
and "¿cuál es su horario?" read Spanish; "ok", "yes", "1" and anything undecided read English, the clinic's
default. The caller prefers the patient's own language field when the host has one; this is the fallback.
Standard library only; this module never performs I/O.
"""

from __future__ import annotations

from winback_app.engine.wording import normalize

SPANISH = "es"
ENGLISH = "en"

# Words that are (almost) only Spanish. Shared words ("no", "me", "a", "son") count for neither.
_SPANISH = frozenset(
	"""
	de en y se te nos si sii claro vale dale gracias hola buenas buenos dias tardes noches porfa favor por para con una unos unas
	el la los las del al lo le les que quien quienes cual cuales cuando donde como cuanto cuanta cuantos esta
	esto estoy estamos estan esta este eso ese esa es soy eres somos muy mas pero tambien ya ahora tarde
	despues luego manana hoy semana mes ano proximo proxima otro otra cita citas quiero quisiera puedo puede
	pueden podemos tengo tiene tienen tenemos hay necesito necesita horario horarios abren cierran direccion
	estacionamiento seguro aceptan dolor duele muela muelas diente dientes encia encias sangrado sangra fiebre
	hinchazon hinchada hinchado urgente emergencia factura cobro reembolso queja fallecio murio numero
	equivocado mensajes mensaje textos alto baja ayuda quien usted ustedes mi mis su sus tu nuestro nada
	nunca siempre bien mal bueno buena lunes martes miercoles jueves viernes sabado domingo enero febrero
	marzo abril mayo junio julio agosto septiembre octubre noviembre diciembre llamar llamen llamenme
	mande manden envien escribir hacer limpieza consulta dentista doctor doctora gustaria perfecto listo
	entonces ocupado ocupada trabajo aqui alli hasta desde sin sobre entre mucho mucha poco todavia aun
	interesa servicio servicios cobraron cobrado veces vez dos tres cuatro pesimo pesima grosera grosero
	recepcionista poner mejor mude mudamos estado otro caro cara hijo hija esposo esposa mama papa casa
	limpieza cuesta cuanto pagar pague pago dinero llamo llame llamada favor perdon disculpe senor senora
	estoy soy vamos voy puedes podria quiero queremos necesitamos tenemos tuve tengo hace hacen tambien
	""".split()
)
_ENGLISH = frozenset(
	"""
	yes yeah yep yup ok okay sure thanks thank you hi hello hey please the an to and of in is are was were
	be been my your our their it its this that these those what when where who why how which do does did
	dont doesnt cant wont im ive id ill can could would should will have has had not with for from at by
	on about just really very much more later now next week month year book appointment appt schedule
	time times today tomorrow morning afternoon evening busy call text stop help wrong number who hours
	open parking address insurance cost price cleaning tooth teeth pain hurts bleeding swollen fever bill
	charged refund complaint passed away moved sorry thx ty u ur r pls plz good great fine works monday
	tuesday wednesday thursday friday saturday sunday january february march april june july august
	september october november december
	""".split()
)


def decides(body: object) -> bool:
	"""Whether the text says anything about its language: "1", "A" or "2pm" do not (detect() reads them English,
	the default), "si", "ok" or "¿" do."""
	_text, flat = normalize(body)
	if isinstance(body, str) and any(c in body for c in "¿¡ñÑ"):
		return True
	return any(word in _SPANISH or word in _ENGLISH for word in flat.split(" ")) if flat else False


def detect(body: object) -> str:
	"""'es' when the text reads Spanish, else 'en'."""
	_text, flat = normalize(body)
	if not flat:
		return ENGLISH
	words = flat.split(" ")
	spanish = sum(1 for word in words if word in _SPANISH)
	english = sum(1 for word in words if word in _ENGLISH)
	if isinstance(body, str) and any(c in body for c in "¿¡ñÑ"):
		spanish += 2
	return SPANISH if spanish > english else ENGLISH
