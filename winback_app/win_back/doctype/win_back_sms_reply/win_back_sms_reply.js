frappe.ui.form.on("Win-Back SMS Reply", {
	setup() {
		// the list script sets this too; here for a form opened by a link before its list ever loaded
		window.winback?.show_as_text?.("Win-Back SMS Reply", ["body", "matched", "from_number", "to_number", "patient_name"]);
	},
	refresh(frm) {
		render_conversation(frm);
		if (!frm.doc.handled) {
			frm.add_custom_button(__("Handled: resume the cadence"), () => handled(frm, "resume"), __("Mark"));
			frm.add_custom_button(__("Handled: close the lapse"), () => handled(frm, "close"), __("Mark"));
		}
		window.winback_contact_preference_buttons && winback_contact_preference_buttons(frm);
		if (frm.doc.lapse) {
			frm.add_custom_button(__("Reply by text"), () => winback_reply_dialog(frm.doc.lapse, () => frm.reload_doc()));
		}
		if (frm.doc.lapse && frm.doc.suggested_answer && !frm.doc.handled) {
			// A near match among the practice's answers: the person checks it, edits it if needed, sends it.
			frm.add_custom_button(__("Reply with the suggested answer"), () =>
				frappe.db
					.get_value("Win-Back Answer", frm.doc.suggested_answer, "answer")
					.then(({ message }) =>
						winback_reply_dialog(frm.doc.lapse, () => frm.reload_doc(), (message && message.answer) || "")
					)
			);
		}
	},
});

function handled(frm, outcome) {
	frappe
		.xcall("winback_app.api.inbox.mark_handled", { reply: frm.doc.name, outcome })
		.then(() => frm.reload_doc());
}

// A Communication's content is HTML (the escaped text, newlines as <br>): read as text in an inert document
// (DOMParser: nothing in it loads or runs), then written back escaped, its line breaks kept by CSS.
function message_text(html) {
	const doc = new DOMParser().parseFromString(String(html || "").replace(/<br\s*\/?>/gi, "\n"), "text/html");
	return doc.body.textContent || "";
}

function render_conversation(frm) {
	const field = frm.get_field("conversation_html");
	if (!field || !frm.doc.from_number) return;
	frappe.xcall("winback_app.api.inbox.conversation", { reply: frm.doc.name }).then((rows) => {
		const esc = frappe.utils.escape_html;
		field.$wrapper.html(
			rows
				.map(
					(r) =>
						`<div class="mb-2 ${r.sent_or_received === "Sent" ? "text-right" : ""}">
						<div class="small text-muted">${esc(frappe.datetime.str_to_user(r.communication_date))}</div>
						<div class="d-inline-block p-2 rounded text-left ${
							r.sent_or_received === "Sent" ? "bg-light" : "border"
						}" style="white-space: pre-wrap">${esc(message_text(r.content))}</div></div>`
				)
				.join("")
		);
	});
}
