"""The built-in pilot surveys, with stable question and option ids the KPIs and the report read.

Sources for the wording and the option lists: the staged outcome ladder of brokerage events
("no contact yet", "valuable contact", "negotiation started", "cooperation agreement reached",
asked about six months after the event, as Enterprise Europe Network organisers do), and the
barriers to technology adoption that EU SME surveys name (cost, skills, data, cybersecurity,
regulation, supplier lock-in; e.g. the European Investment Bank's digitalisation survey and the
Commission's SME digital-intensity indicators). The ids never change once released: an edited copy
keeps them, so answers to a copy count in the same KPIs.

Ids the rest of the product reads:

- ``adoption``: ``technologies`` (multiple, :data:`TECHNOLOGIES`), ``readiness`` (scale),
  ``opportunities`` (multiple, :data:`OPPORTUNITIES`), ``threats`` (multiple, :data:`THREATS`),
  ``main_threat`` (single, :data:`THREATS`), ``support`` (multiple, :data:`SUPPORT`) for
  traditional SMEs; ``sectors_served`` (multiple, :data:`SECTORS`), ``client_blockers`` (multiple,
  :data:`THREATS`) for tech SMEs; ``comments`` (text) for both.
- ``feedback``: ``took_place`` (single yes / no / partly), ``useful`` (scale), ``next_step``
  (single, :data:`NEXT_STEPS`), ``comments``.
- ``followup``: ``outcome`` (single, :data:`OUTCOMES`, the ladder in order), ``agreement_kind``
  (multiple, :data:`AGREEMENTS`), ``comments``.
"""

from __future__ import annotations

from scheduler.surveys.model import Option, Question, Survey

TECHNOLOGIES = (
    ("ai", "Artificial intelligence and machine learning"), ("data", "Data analytics and big data"),
    ("cloud", "Cloud computing"), ("iot", "Internet of Things and sensors"),
    ("robotics", "Robotics and automation"), ("additive", "3D printing (additive manufacturing)"),
    ("cybersecurity", "Cybersecurity"), ("blockchain", "Blockchain"), ("xr", "Augmented and virtual reality"),
    ("hpc", "High-performance computing and simulation"), ("other", "Other"),
)  # fmt: skip

OPPORTUNITIES = (
    ("productivity", "Higher productivity, lower costs"), ("quality", "Better quality, fewer defects"),
    ("new_products", "New products or services"), ("new_markets", "New markets or customers"),
    ("sustainability", "Energy and resource savings"), ("decisions", "Better decisions from data"),
    ("resilience", "More resilient supply chain"), ("working_conditions", "Better working conditions"),
)  # fmt: skip

THREATS = (
    ("cost", "Cost of investment"), ("skills", "Lack of skills in the company"),
    ("data", "Data availability, quality or ownership"), ("cybersecurity", "Cybersecurity risks"),
    ("regulation", "Regulation and legal uncertainty (AI Act, GDPR, ...)"),
    ("lock_in", "Dependence on one supplier (lock-in)"), ("return", "Unclear return on investment"),
    ("integration", "Integration with existing machines and systems"), ("finance", "Access to finance"),
    ("culture", "Resistance to change in the company"),
)  # fmt: skip

SUPPORT = (
    ("funding", "Grants or co-funding"), ("training", "Training and skills"),
    ("test_before_invest", "Test-before-invest facilities"), ("advice", "Independent advice"),
    ("partners", "Finding technology partners"), ("standards", "Standards and interoperability"),
    ("legal", "Legal and regulatory guidance"),
)  # fmt: skip

SECTORS = (
    ("agrifood", "Agri-food"), ("manufacturing", "Manufacturing"), ("construction", "Construction"),
    ("health", "Health"), ("energy", "Energy"), ("mobility", "Mobility and logistics"),
    ("retail", "Retail"), ("tourism", "Tourism"), ("textile", "Textile"), ("other", "Other"),
)  # fmt: skip

NEXT_STEPS = (
    ("none", "No further contact planned"), ("call", "Another call"), ("visit", "A visit or demo"),
    ("offer", "An offer or quotation"), ("pilot", "A pilot project"), ("agreement", "An agreement"),
)  # fmt: skip

#: The staged outcome ladder, lowest first.
OUTCOMES = (
    ("no_contact", "No contact since the event"), ("valuable_contact", "Valuable contact, no project yet"),
    ("negotiation", "Negotiation started"), ("agreement", "Cooperation agreement reached"),
)  # fmt: skip

AGREEMENTS = (
    ("technology_purchase", "Technology purchase"), ("pilot_project", "Pilot project"),
    ("rd_cooperation", "R&D cooperation"), ("licence", "Licence agreement"),
    ("commercial", "Commercial agency or distribution"), ("joint_venture", "Joint venture"),
    ("funding_application", "Joint funding application"), ("other", "Other"),
)  # fmt: skip

YES_NO_PARTLY = (("yes", "Yes"), ("partly", "Partly (late or cut short)"), ("no", "No"))


def _opts(pairs: tuple[tuple[str, str], ...]) -> tuple[Option, ...]:
    return tuple(Option(i, label) for i, label in pairs)


ADOPTION = Survey(
    id="adoption", kind="adoption", version=1,
    title="Technology adoption: opportunities and threats",
    intro="Five questions, about two minutes. Answers are reported only as totals over at least five companies.",
    questions=(
        Question("technologies", "multiple", "Which technologies does your company want to adopt?",
                 _opts(TECHNOLOGIES), required=True, audience="traditional"),
        Question("readiness", "scale", "How ready is your company to adopt them?", audience="traditional",
                 scale_labels=("not ready", "ready to start")),
        Question("opportunities", "multiple", "Which benefits do you expect?", _opts(OPPORTUNITIES),
                 audience="traditional"),
        Question("threats", "multiple", "What holds you back, or what risks do you see?", _opts(THREATS),
                 audience="traditional"),
        Question("main_threat", "single", "Which of these is the main barrier?", _opts(THREATS),
                 audience="traditional"),
        Question("support", "multiple", "What support would help you most?", _opts(SUPPORT), audience="traditional"),
        Question("sectors_served", "multiple", "Which sectors do you serve?", _opts(SECTORS), required=True,
                 audience="tech"),
        Question("client_blockers", "multiple", "What blocks adoption by your clients?", _opts(THREATS),
                 audience="tech"),
        Question("comments", "text", "Anything else you want policy makers to know?", max_length=1000),
    ),
)  # fmt: skip

FEEDBACK = Survey(
    id="feedback", kind="feedback", version=1, per_meeting=True,
    title="How was your meeting?",
    intro="Three questions about this meeting.",
    questions=(
        Question("took_place", "single", "Did the meeting take place?", _opts(YES_NO_PARTLY), required=True),
        Question("useful", "scale", "How useful was it?", scale_labels=("not useful", "very useful")),
        Question("next_step", "single", "What is the next step?", _opts(NEXT_STEPS)),
        Question("comments", "text", "Comments (optional)", max_length=1000),
    ),
)  # fmt: skip

FOLLOWUP = Survey(
    id="followup", kind="followup", version=1, per_meeting=True,
    title="What came of your meeting?",
    intro="Two questions about a meeting you held at the event.",
    questions=(
        Question("outcome", "single", "Where does it stand today?", _opts(OUTCOMES), required=True),
        Question("agreement_kind", "multiple", "If you reached or are negotiating an agreement, of which kind?",
                 _opts(AGREEMENTS)),
        Question("comments", "text", "Comments (optional)", max_length=1000),
    ),
)  # fmt: skip

BUILTIN: dict[str, Survey] = {s.id: s for s in (ADOPTION, FEEDBACK, FOLLOWUP)}
