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

from scheduler.domain.language import N_
from scheduler.surveys.model import Option, Question, Survey

TECHNOLOGIES = (
    ("ai", N_("Artificial intelligence and machine learning")), ("data", N_("Data analytics and big data")),
    ("cloud", N_("Cloud computing")), ("iot", N_("Internet of Things and sensors")),
    ("robotics", N_("Robotics and automation")), ("additive", N_("3D printing (additive manufacturing)")),
    ("cybersecurity", N_("Cybersecurity")), ("blockchain", N_("Blockchain")), ("xr", N_("Augmented and virtual reality")),
    ("hpc", N_("High-performance computing and simulation")), ("other", N_("Other")),
)  # fmt: skip

OPPORTUNITIES = (
    ("productivity", N_("Higher productivity, lower costs")), ("quality", N_("Better quality, fewer defects")),
    ("new_products", N_("New products or services")), ("new_markets", N_("New markets or customers")),
    ("sustainability", N_("Energy and resource savings")), ("decisions", N_("Better decisions from data")),
    ("resilience", N_("More resilient supply chain")), ("working_conditions", N_("Better working conditions")),
)  # fmt: skip

THREATS = (
    ("cost", N_("Cost of investment")), ("skills", N_("Lack of skills in the company")),
    ("data", N_("Data availability, quality or ownership")), ("cybersecurity", N_("Cybersecurity risks")),
    ("regulation", N_("Regulation and legal uncertainty (AI Act, GDPR, ...)")),
    ("lock_in", N_("Dependence on one supplier (lock-in)")), ("return", N_("Unclear return on investment")),
    ("integration", N_("Integration with existing machines and systems")), ("finance", N_("Access to finance")),
    ("culture", N_("Resistance to change in the company")),
)  # fmt: skip

SUPPORT = (
    ("funding", N_("Grants or co-funding")), ("training", N_("Training and skills")),
    ("test_before_invest", N_("Test-before-invest facilities")), ("advice", N_("Independent advice")),
    ("partners", N_("Finding technology partners")), ("standards", N_("Standards and interoperability")),
    ("legal", N_("Legal and regulatory guidance")),
)  # fmt: skip

SECTORS = (
    ("agrifood", N_("Agri-food")), ("manufacturing", N_("Manufacturing")), ("construction", N_("Construction")),
    ("health", N_("Health")), ("energy", N_("Energy")), ("mobility", N_("Mobility and logistics")),
    ("retail", N_("Retail")), ("tourism", N_("Tourism")), ("textile", N_("Textile")), ("other", N_("Other")),
)  # fmt: skip

NEXT_STEPS = (
    ("none", N_("No further contact planned")), ("call", N_("Another call")), ("visit", N_("A visit or demo")),
    ("offer", N_("An offer or quotation")), ("pilot", N_("A pilot project")), ("agreement", N_("An agreement")),
)  # fmt: skip

#: The staged outcome ladder, lowest first.
OUTCOMES = (
    ("no_contact", N_("No contact since the event")), ("valuable_contact", N_("Valuable contact, no project yet")),
    ("negotiation", N_("Negotiation started")), ("agreement", N_("Cooperation agreement reached")),
)  # fmt: skip

AGREEMENTS = (
    ("technology_purchase", N_("Technology purchase")), ("pilot_project", N_("Pilot project")),
    ("rd_cooperation", N_("R&D cooperation")), ("licence", N_("Licence agreement")),
    ("commercial", N_("Commercial agency or distribution")), ("joint_venture", N_("Joint venture")),
    ("funding_application", N_("Joint funding application")), ("other", N_("Other")),
)  # fmt: skip

YES_NO_PARTLY = (("yes", N_("Yes")), ("partly", N_("Partly (late or cut short)")), ("no", N_("No")))


def _opts(pairs: tuple[tuple[str, str], ...]) -> tuple[Option, ...]:
    return tuple(Option(i, label) for i, label in pairs)


ADOPTION = Survey(
    id="adoption", kind="adoption", version=1,
    title=N_("Technology adoption: opportunities and threats"),
    intro=N_("Five questions, about two minutes. Answers are reported only as totals over at least five companies."),
    questions=(
        Question("technologies", "multiple", N_("Which technologies does your company want to adopt?"),
                 _opts(TECHNOLOGIES), required=True, audience="traditional"),
        Question("readiness", "scale", N_("How ready is your company to adopt them?"), audience="traditional",
                 scale_labels=(N_("not ready"), N_("ready to start"))),
        Question("opportunities", "multiple", N_("Which benefits do you expect?"), _opts(OPPORTUNITIES),
                 audience="traditional"),
        Question("threats", "multiple", N_("What holds you back, or what risks do you see?"), _opts(THREATS),
                 audience="traditional"),
        Question("main_threat", "single", N_("Which of these is the main barrier?"), _opts(THREATS),
                 audience="traditional"),
        Question("support", "multiple", N_("What support would help you most?"), _opts(SUPPORT), audience="traditional"),
        Question("sectors_served", "multiple", N_("Which sectors do you serve?"), _opts(SECTORS), required=True,
                 audience="tech"),
        Question("client_blockers", "multiple", N_("What blocks adoption by your clients?"), _opts(THREATS),
                 audience="tech"),
        Question("comments", "text", N_("Anything else you want policy makers to know?"), max_length=1000),
    ),
)  # fmt: skip

FEEDBACK = Survey(
    id="feedback", kind="feedback", version=1, per_meeting=True,
    title=N_("How was your meeting?"),
    intro=N_("Three questions about this meeting."),
    questions=(
        Question("took_place", "single", N_("Did the meeting take place?"), _opts(YES_NO_PARTLY), required=True),
        Question("useful", "scale", N_("How useful was it?"), scale_labels=(N_("not useful"), N_("very useful"))),
        Question("next_step", "single", N_("What is the next step?"), _opts(NEXT_STEPS)),
        Question("comments", "text", N_("Comments (optional)"), max_length=1000),
    ),
)  # fmt: skip

FOLLOWUP = Survey(
    id="followup", kind="followup", version=1, per_meeting=True,
    title=N_("What came of your meeting?"),
    intro=N_("Two questions about a meeting you held at the event."),
    questions=(
        Question("outcome", "single", N_("Where does it stand today?"), _opts(OUTCOMES), required=True),
        Question("agreement_kind", "multiple", N_("If you reached or are negotiating an agreement, of which kind?"),
                 _opts(AGREEMENTS)),
        Question("comments", "text", N_("Comments (optional)"), max_length=1000),
    ),
)  # fmt: skip

BUILTIN: dict[str, Survey] = {s.id: s for s in (ADOPTION, FEEDBACK, FOLLOWUP)}
