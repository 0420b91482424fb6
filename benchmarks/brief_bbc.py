"""Briefs of BBC story clusters and the seeds, scored against lists written by hand; a benchmark, not a test.

The articles stay in ../shared/data/bbc/ and are indexed into a temporary data folder. For each
cluster the hand lists (actors, real disagreements, on-topic sub-topics) were written from reading
the articles before the brief was first built on it. The brief was developed on kilroy, hunting and the
seeds. "terror" is held out: its disagreements were never looked at while the brief was developed.
"blunkett" is the foreign cluster, picked and listed by reading after development and never run
before its first scored brief. "tory-tax", "asylum" and "broadband" are development clusters, picked and
listed by reading to develop the disagreement detectors on (with kilroy, hunting and the seeds). "feud"
(25 articles) is there for the time per brief only: it has no hand lists. Each brief's time is measured
after the models have loaded, on this machine's cores.

    OPENBLAS_NUM_THREADS=1 python benchmarks/brief_bbc.py [--show CLUSTER]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import re
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

REPO = Path(__file__).resolve().parent.parent
BBC = Path(os.environ.get("BRIEFING_BBC", REPO.parent / "shared" / "data" / "bbc"))
if not BBC.exists():
    BBC = Path("/work/shared/data/bbc")
OFF_TOPIC = "football transfer fees"


@dataclass(frozen=True)
class Cluster:
    name: str
    files: tuple[str, ...]  # under BBC (or the repo for the seeds)
    actors: dict[str, str]  # actor -> regex of the names it goes by
    # Real disagreements found by reading: two regexes, the first matching one side and the second another
    # (a found disagreement whose one side holds both words is not the real one).
    disagreements: dict[str, tuple[str, ...]]
    subtopics: tuple[str, ...]
    held_out: bool = False
    root: Path = field(default=BBC)
    # Picked after the brief was developed and never run while it was: its lists were written by
    # reading before its first brief, so its row is the honest number on a corpus the brief has not seen.
    foreign: bool = False
    timing_only: bool = False  # a big cluster for the time per brief; no hand lists, its scores are not counted
    # Picked and listed by reading to develop the disagreement detectors on (issue 12), like kilroy, hunting
    # and the seeds; terror and blunkett were not looked at while they were developed.
    development: bool = False


CLUSTERS = [
    Cluster(
        "kilroy",  # Robert Kilroy-Silk quits UKIP and launches Veritas (politics, Jan-Feb 2005)
        tuple(
            f"politics/{n}.txt"
            for n in ("111", "125", "157", "237", "267", "281", "286", "288", "292", "293", "325", "333")
        ),
        {
            "Robert Kilroy-Silk": r"Kilroy",
            "UKIP": r"UKIP|UK Independence Party",
            "Veritas": r"Veritas",
            "Roger Knapman": r"Knapman",
            "Damian Hockney": r"Hockney",
            "Petrina Holdsworth": r"Holdsworth",
            "John Houston": r"Houston",
            "Mark Croucher": r"Croucher",
            "Geoff Hoon": r"Hoon",
            "Mike Nattrass": r"Nattrass",
        },
        {
            "Hockney says UKIP made a deal with the Tories; UKIP denies it": (r"deal with the Tories", r"denied|empty"),
            "Nattrass's 'empire' remark against his denial": (r"empire|German", r"denied|German-bashing"),
            "Kilroy-Silk denied wanting the leadership, then admitted it": (r"leader", r"denied wanting|lied"),
        },
        (
            "Veritas party launch",
            "Kilroy-Silk leaving UKIP",
            "UKIP leadership",
            "immigration policy",
            "London Assembly members defecting",
        ),
    ),
    Cluster(
        "hunting",  # the ban on hunting with dogs comes into force (politics, Nov 2004 - Feb 2005)
        tuple(f"politics/{n}.txt" for n in ("032", "066", "134", "137", "152", "169", "179", "381")),
        {
            "Countryside Alliance": r"Countryside Alliance",
            "League Against Cruel Sports": r"League Against Cruel Sports",
            "Alun Michael": r"Alun Michael|\bMichael\b",
            "Mike Hobday": r"Hobday",
            "Lord Goldsmith": r"Goldsmith",
            "Otis Ferry": r"Otis Ferry",
            "Lembit Opik": r"Opik",
            "Simon Hart": r"Simon Hart",
            "John Jackson": r"John Jackson",
            "Richard Dodd": r"Dodd",
            "Mori": r"Mori",
        },
        {
            "the law is clear and enforceable, or unclear and unenforceable": (
                r"\bclear\b|\benforceable",
                r"unclear|unenforceable|poorly drafted|blurred|define",
            ),
            "hunts broke the law, or stayed within it": (r"broken|illegal", r"within the law|legally"),
        },
        (
            "hunting ban enforcement",
            "Countryside Alliance legal challenge",
            "Commons protest charges",
            "public support for a hunting ban",
            "League Against Cruel Sports monitors",
        ),
    ),
    Cluster(
        "terror",  # house arrest and control orders for terror suspects (politics, Dec 2004 - Mar 2005)
        tuple(f"politics/{n}.txt" for n in ("014", "070", "072", "097", "182", "224", "290", "378", "384")),
        {
            "Charles Clarke": r"Clarke",
            "Tony Blair": r"Blair",
            "Michael Howard": r"Howard",
            "David Davis": r"Davis",
            "Law Lords": r"Law Lords|House of Lords|\bLords\b",
            "Belmarsh": r"Belmarsh",
            "Liberal Democrats": r"Lib Dem|Liberal Democrat",
            "Conservatives": r"Conservative|Tor(y|ies)",
            "Mark Oaten": r"Oaten",
            "Lord Falconer": r"Falconer",
            "Lord Strathclyde": r"Strathclyde",
        },
        {
            "how many detainees: 12, 11 or nine": (r"\b(12|twelve)\b", r"\b(11|nine|eleven)\b"),
            "who imposes control orders: judges or the home secretary": (r"judge", r"home secretary|politician"),
            "a tyranny, or not a police state": (r"tyranny|police state", r"\bnot\b|insists"),
        },
        (
            "control orders",
            "house arrest for terror suspects",
            "Law Lords ruling on detention",
            "deporting terror suspects",
            "Lords opposition to the terror bill",
        ),
        held_out=True,
    ),
    Cluster(
        "blunkett",  # David Blunkett resigns over his ex-lover's nanny's visa (politics, Nov 2004 - Jan 2005)
        tuple(f"politics/{n}.txt" for n in ("028", "041", "046", "102", "112", "156", "166", "206", "248")),
        {
            "David Blunkett": r"Blunkett",
            "Kimberly Quinn": r"Quinn",
            "Leoncia Casalme": r"Casalme",
            "Sir Alan Budd": r"Budd",
            "Tony Blair": r"Blair",
            "Mark Oaten": r"Oaten",
            "Michael Howard": r"Howard",
            "Sir John Gieve": r"Gieve",
            "Dominic Grieve": r"Grieve",
            "Home Office": r"Home Office",
            "Liberal Democrats": r"Lib Dem|Liberal Democrat",
            "Conservatives": r"Conservative|Tor(y|ies)",
        },
        {
            # 102, 112, 046 (the visa was speeded up, the inquiry linked him) / 166, 102 (he denied it, told the truth)
            "he fast-tracked the nanny's visa, or he denied it and raised it as a backlog": (
                r"fast-track|speeded up|speeding up",
                r"denied|told the truth|example of",
            ),
            # 112 (the son "whom he says he fathered") / 166 ("She denies he is Mr Blunkett's")
            "Blunkett is the father of Mrs Quinn's son, or not": (r"fathered|says is his", r"denies he is"),
            # 028, 156 (officials forgot, "collective failure" of memory) / 156 (Budd: nothing deliberately withheld)
            "officials would not say what happened, or nobody withheld anything": (
                r"forgotten|remember|memory|not prepared to say",
                r"withheld",
            ),
            # 102, 028 (Howard, Oaten: another, judge-led inquiry) / 102 (Blair: a line drawn under it)
            "a second, judge-led inquiry is needed, or a line drawn under it": (
                r"another inquiry|judge-led|second inquiry",
                r"drawn a line|line should be drawn|draw a line",
            ),
            # 102, 206 (Blair: integrity intact, no stain) / 206, 102 (Grieve: "scandalous"; Howard: "deceit")
            "his integrity intact, or a scandal": (r"integrity|stain", r"scandalous|deceit|grubby"),
        },
        (
            "the nanny's visa application",
            "Sir Alan Budd's inquiry",
            "calls for a judge-led inquiry",
            "Blunkett's resignation as home secretary",
            "opinion poll on the Blunkett affair",
        ),
        foreign=True,
    ),
    Cluster(
        "feud",  # Blair and Brown's rivalry before the 2005 election: 25 articles, for the time per brief
        tuple(
            f"politics/{n}.txt"
            for n in (
                *("005", "095", "099", "107", "128", "218", "225", "251", "252", "253", "254", "255", "256"),
                *("257", "258", "260", "262", "263", "264", "268", "274", "276", "402", "406", "021"),
            )
        ),
        {},
        {},
        (
            "the Blair and Brown rift",
            "Labour party unity",
            "Blair standing down as prime minister",
            "Gordon Brown's Budget",
            "the general election campaign",
        ),
        timing_only=True,
    ),
    Cluster(
        "tory-tax",  # the Tories' £35bn savings and £4bn tax cuts against Labour's "£35bn cuts" (politics, early 2005)
        tuple(
            f"politics/{n}.txt" for n in ("022", "175", "270", "271", "275", "277", "282", "344", "374", "387", "409")
        ),
        {
            "Michael Howard": r"Howard",
            "Tony Blair": r"Blair",
            "Gordon Brown": r"Brown",
            "Oliver Letwin": r"Letwin",
            "David James": r"David James|\bJames\b",
            "Liam Fox": r"\bFox\b",
            "Robert Jackson": r"Jackson",
            "Conservatives": r"Conservative|Tor(y|ies)",
            "Labour": r"Labour",
            "Liberal Democrats": r"Lib Dem|Liberal Democrat",
        },
        {
            # 022 (the IFS: an £11bn gap), 387 (Letwin: taxes up £10bn or £11bn) / 282 (Letwin: an £8bn
            # shortfall), 344 (£8 billion to fill the black hole), 270 (£12bn to plug the black hole)
            "Labour's black hole: £8bn, £11bn or £12bn": (r"£8\s?(bn|billion)", r"£1[12]\s?(bn|billion)"),
            # 022, 275, 277, 282, 344, 374, 409 (£4bn of tax cuts) / 271 (around £6bn for tax cuts)
            "the Tory tax cuts: £4bn or £6bn": (r"£4\s?(bn|billion)", r"£6\s?(bn|billion)"),
            # 282 (Brown: £50bn of cuts by 2011) / 387 (the Tories: £33.5bn less than Labour by 2011)
            "spending below Labour's by 2011: £50bn or £33.5bn": (r"£50\s?bn", r"£33\.5\s?bn"),
            # 175, 271, 387 (Labour: £35bn of cuts to services) / 387, 282 (the Tories: no cut, a misrepresentation)
            "the Tories would cut £35bn from services, or they deny any cut": (
                r"\bcut",
                r"would not cut|misrepresent|lie\b|deny",
            ),
            # 374 (Letwin: carefully costed, fully funded) / 271, 275, 277, 344 (Labour: the sums do not add up)
            "the Tory plans are costed, or their sums do not add up": (
                r"costed|fully funded|about right",
                r"add up|sums wrong|fantasy",
            ),
            # 022, 277 (Howard: every expert says Labour must raise taxes) / 277, 387 (Blair: they are wrong;
            # Brown: costed and affordable)
            "Labour would have to raise taxes, or its plans are affordable": (
                r"(put up|raise|higher) tax|tax will go up",
                r"are wrong|affordable",
            ),
        },
        (
            "the Tory £35bn savings",
            "Tory tax cuts",
            "Labour's tax plans",
            "Robert Jackson's defection",
            "the David James review",
        ),
        development=True,
    ),
    Cluster(
        "asylum",  # the Tories' asylum quotas and health checks against Labour's points system (politics, 2004-05)
        tuple(f"politics/{n}.txt" for n in ("013", "087", "106", "122", "153", "193", "220", "334", "382")),
        {
            "Michael Howard": r"Howard",
            "Tony Blair": r"Blair",
            "Charles Clarke": r"Clarke",
            "David Davis": r"Davis",
            "David Blunkett": r"Blunkett",
            "Mark Oaten": r"Oaten",
            "Trevor Phillips": r"Phillips",
            "Refugee Council": r"Refugee Council",
            "Des Browne": r"Browne",
            "Liam Fox": r"\bFox\b",
            "Conservatives": r"Conservative|Tor(y|ies)",
        },
        {
            # 087, 106 (Howard: the plans are not racist) / 122, 382, 087, 334 (prejudice, colour, racist agenda)
            "the plans are racist or prejudiced, or they are not": (
                r"not racist",
                r"prejudice|colour|racist agenda|xenophobia|bigotry",
            ),
            # 087, 106, 334, 220 (the Tories: annual limits, quotas) / 153, 220 (Blair, Clarke: no quota, rejected).
            # Missed on the first reading and added after the first run showed it: a real dispute all the same.
            "annual quotas on asylum and migrants, or none": (r"quota|annual limit", r"reject|arbitrary figure"),
            # 087, 106, 220 (charities: lives at risk, no safe haven) / 087, 106 (the Tories: little risk)
            "quotas put refugees' lives at risk, or there is little risk": (
                r"lives at risk|safe haven|turn(ed)? away",
                r"little risk",
            ),
            # 122 (about 200 of 185,000 tested found infected) / 382 (about 100 infectious cases)
            "TB cases found at the airports: about 200 or about 100": (r"\b200\b", r"\b100\b"),
            # 193 (Davis: the UK is losing its veto) / 193 (Blair: no question of giving it up; Blunkett: can reject)
            "the UK loses its veto on asylum, or keeps it": (
                r"losing its power of veto|disappearance of the",
                r"keep the veto|no question of Britain|still be able to reject",
            ),
            # 087, 106, 334 (the Tories: process claims overseas) / 153, 334 (Blair: would not work, unworkable)
            "processing asylum claims abroad works, or it would not": (
                r"processed overseas|outside the UK",
                r"would not work|unworkable|no such other country",
            ),
            # 153, 334 (the Tories: Labour too little, too late) / 122, 382 (Labour: the Tories are late, catching up)
            "who is late on immigration: Labour or the Tories": (
                r"too late|too little|panicky",
                r"bit late|catch up",
            ),
        },
        (
            "asylum quotas",
            "health checks for immigrants",
            "the points system for economic migrants",
            "processing asylum claims abroad",
            "the EU veto on immigration",
        ),
        development=True,
    ),
    Cluster(
        "broadband",  # broadband take-up and speeds in the UK (tech, 2004-05)
        tuple(f"tech/{n}.txt" for n in ("021", "058", "129", "146", "150", "205", "254", "264", "352", "361")),
        {
            "BT": r"\bBT\b|British Telecom",
            "Ofcom": r"Ofcom",
            "UK Online": r"UK Online",
            "Nielsen/NetRatings": r"Nielsen",
            "Jupiter Research": r"Jupiter",
            "AOL": r"\bAOL\b",
            "Demos": r"Demos",
            "PC Pro": r"PC Pro",
            "NTL": r"\bntl\b|NTL",
            "Telewest": r"Telewest",
            "Duncan Ingram": r"Ingram",
            "Tim Danton": r"Danton",
        },
        {
            # 129 (5.3 million; more than 5 million), 150 (more than five million households), 264 (five million
            # Britons) / 254 (almost six million), 361 (more than six million households)
            "UK broadband users: five million, 5.3 million or six million": (
                r"\b(5(\.3)?|five) million",
                r"\bsix million",
            ),
        },
        (
            "broadband speeds",
            "BT broadband customers",
            "local loop unbundling",
            "broadband and TV viewing",
            "switching internet providers",
        ),
        development=True,
    ),
    Cluster(
        "seeds",
        ("000_e084a2483af8de05.txt", "001_d1faf3667c1376a5.txt", "002_a3f7a866cd068518.txt"),
        {
            "Scott Bessent": r"Bessent",
            "Donald Trump": r"Trump",
            "Xi Jinping": r"\bXi\b",
            "Nvidia": r"Nvidia",
            "China": r"China|Beijing",
            "United States": r"\bUS\b|United States|Washington",
        },
        {
            "an agreement signed, or a commitment to talk": (r"signed", r"not (a|an) (binding )?agreement"),
            "H200 sales cleared, or still back and forth": (r"cleared", r"back and forth"),
        },
        ("chip export controls", "AI safety protocol", "H200 chip sales", "non-state actors", "Trump Xi summit"),
        root=REPO / "seeds",
    ),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--show", action="append", default=[], help="print the whole brief of this cluster")
    parser.add_argument("--only", action="append", default=[], help="run only these clusters")
    args = parser.parse_args()

    from assistant.brief import NothingOnTopic, make_brief
    from assistant.brief.vocabulary import opens_dangling
    from assistant.brief_render import fits_one_page, render_markdown, render_pdf
    from assistant.library import Library
    from assistant.settings import Settings

    rows = []
    for cluster in CLUSTERS:
        if args.only and cluster.name not in args.only:
            continue
        data = Path(tempfile.mkdtemp(prefix=f"brief-bench-{cluster.name}-"))
        library = Library(Settings(_env_file=None, data_dir=data, collection=cluster.name))  # type: ignore[call-arg]
        report = library.index([cluster.root / f for f in cluster.files])
        assert report.ok, report.failed
        make_brief(library, topic=cluster.subtopics[0])  # load the models once: a brief's time is its own
        began = time.perf_counter()
        brief = make_brief(library, fits=fits_one_page)
        seconds = time.perf_counter() - began
        again = make_brief(library, fits=fits_one_page)
        pdf = render_pdf(brief)
        identical = pdf == render_pdf(again) and render_markdown(brief) == render_markdown(again)

        named = " | ".join([*brief.actors, *(c.label for c in brief.section("who").claims)])
        found_actors = [a for a, pattern in cluster.actors.items() if re.search(pattern, named)]
        # A denial quoted right after the statement it answers has the sentence before it on the page.
        answered = {id(c) for d in brief.disagreements for c in d.contrary if _follows(d.asserted, c)}
        dangling = [c.text for c in brief.claims if opens_dangling(c.text) and id(c) not in answered]
        conflicts = [d for d in brief.disagreements if d.is_conflict]
        matched_real = {real for real, patterns in cluster.disagreements.items() for d in conflicts if _is(d, patterns)}
        correct = [d for d in conflicts if any(_is(d, patterns) for patterns in cluster.disagreements.values())]
        refused = _refused(make_brief, NothingOnTopic, library, OFF_TOPIC)
        subtopics_refused = [t for t in cluster.subtopics if _refused(make_brief, NothingOnTopic, library, t)]
        pages, smallest = _pdf_pages_and_smallest_type(pdf)
        scored = not cluster.timing_only
        rows.append(
            {
                "cluster": cluster.name + _role(cluster),
                "articles": len(cluster.files),
                "actors": _ratio(len(found_actors), len(cluster.actors)) if scored else "-",
                "dangling": len(dangling),
                "open questions": len(brief.section("open_questions").claims),
                "disagree R": _ratio(len(matched_real), len(cluster.disagreements)) if scored else "-",
                "disagree P": _ratio(len(correct), len(conflicts)) if scored else f"-/{len(conflicts)}",
                "seconds": f"{seconds:.1f}",
                "refuses off-topic": refused,
                "sub-topics refused": len(subtopics_refused),
                "identical": identical,
                "pages": pages,
                "min pt": smallest,
            }
        )
        print(f"\n## {cluster.name}: {len(cluster.files)} articles, brief in {seconds:.1f} s")
        print("actors missed:", sorted(set(cluster.actors) - set(found_actors)))
        print("dangling openers:", dangling)
        print("open questions (judge each: a fact would be a failure):")
        for claim in brief.section("open_questions").claims:
            print("   -", claim.text)
        print("disagreements found:")
        for d in brief.disagreements:
            print(f"   - [{d.kind}] {d.question} {'(real)' if d in correct else ''}")
        print("real disagreements missed:", sorted(set(cluster.disagreements) - matched_real))
        print("sub-topics refused:", subtopics_refused)
        if cluster.name in args.show:
            print("\n" + render_markdown(brief))
    print()
    headers = list(rows[0])
    print("| " + " | ".join(headers) + " |")
    print("|" + "---|" * len(headers))
    for row in rows:
        print("| " + " | ".join(str(row[h]) for h in headers) + " |")


def _is(disagreement, patterns: tuple[str, ...]) -> bool:  # type: ignore[no-untyped-def]
    """The found disagreement is the real one: its first pattern matches one side, its second another side."""
    first, second = patterns
    sides = [disagreement.asserted.text, *(c.text for c in disagreement.contrary)]
    return any(
        re.search(first, a, re.I) and re.search(second, b, re.I)
        for x, a in enumerate(sides)
        for y, b in enumerate(sides)
        if x != y
    )


def _follows(asserted, contrary) -> bool:  # type: ignore[no-untyped-def]
    """The contrary side is the sentence right after the asserted one, in the same paragraph."""
    a, c = asserted.quotes[-1], contrary.quotes[0]
    return a.paragraph.id == c.paragraph.id and not a.paragraph.text[a.end : c.start].strip()


def _role(cluster: Cluster) -> str:
    if cluster.held_out:
        return " (held out)"
    if cluster.foreign:
        return " (foreign)"
    if cluster.development:
        return " (dev)"
    return " (timing)" if cluster.timing_only else ""


def _ratio(hit: int, of: int) -> str:
    return f"{hit}/{of} = {hit / of:.2f}" if of else f"{hit}/0"


def _refused(make_brief, nothing, library, topic: str) -> bool:  # type: ignore[no-untyped-def]
    try:
        make_brief(library, topic=topic)
    except nothing:
        return True
    return False


def _pdf_pages_and_smallest_type(pdf: bytes) -> tuple[int, float]:
    import zlib

    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(pdf))
    content = reader.pages[0].get_contents()
    data = content.get_data() if content is not None else b""
    with contextlib.suppress(zlib.error):
        data = zlib.decompress(data)
    sizes = [float(s) for s in re.findall(rb"/F\d+ ([\d.]+) Tf", data)]
    return len(reader.pages), min(sizes) if sizes else 0.0


if __name__ == "__main__":
    main()
