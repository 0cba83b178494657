"""The court cases of lesson 06's table (Step 1), each with its latest step, its status and dated sources.

This file is the table's one source: ``memlab.teaching.law_table`` writes it into the lesson, and
``tests/fast/test_law_table.py`` fails when ``AS_OF`` is more than six months old, when a case has no status or
no dated source, or when the lesson does not show what this file says. How to refresh it: docs/teaching.md,
"Keeping lesson 6 current".

Conventions, so that a teacher can check every row:

* ``AS_OF`` is the day the sources were read. Every source is dated on or before it.
* ``latest`` puts each step's date in bold (``**11 Nov 2025**``) and says "(reported)" after a step we know only
  from a news report, not from the court's own document. Where a step was expected but we could read no
  report of it, the row says so.
* ``status`` is one of ``STATUSES``: *decided* (a court ruled and, as far as the sources show, no appeal is
  pending), *open* (still before a court, on appeal included, or waiting for a ruling), *settled* (the parties
  agreed a deal that ends the case, once a court approves it where the law asks for that).
* A source is its publisher (and who they are, when they speak for a party), its date ("11 Nov 2025", or
  "Jan 2026" when the page gives only the month) and its address.

Plain words for a class; legal terms are explained in docs/glossary.md ("The law"). Not legal advice.
"""

from dataclasses import dataclass
from datetime import date

AS_OF = date(2026, 12, 7)  # the day every source below was read
STATUSES = ("decided", "open", "settled")


@dataclass(frozen=True)
class Source:
    publisher: str  # who wrote it, e.g. "Taylor Wessing" (and "LAION's lawyers" when a party's side speaks)
    date: str  # "11 Nov 2025", or "Jan 2026" when only the month is known
    url: str


@dataclass(frozen=True)
class Case:
    name: str  # as the table shows it, in italics, e.g. "GEMA v OpenAI"
    court: str  # the court and the case number, where known
    copies: str  # what the case says about copies
    latest: str  # the latest step we could check, with bold dates
    status: str  # one of STATUSES
    sources: tuple[Source, ...]


CASES = (
    Case(
        name="GEMA v OpenAI",
        court="Munich Regional Court I, 42 O 14139/24",
        copies="lyrics of nine German songs, which GPT-4 and GPT-4o return almost word for word to simple prompts",
        latest=(
            "**11 Nov 2025**: the lyrics memorized in the models' weights are a copy (a *reproduction*), and so are "
            "the chatbot's answers; the text-and-data-mining exception does not cover them. The first judgment on "
            "this suite's very question. OpenAI appealed on **8 Dec 2025** (reported)"
        ),
        status="open",
        sources=(
            Source(
                "Taylor Wessing",
                "11 Nov 2025",
                "https://www.taylorwessing.com/de/insights-and-events/insights/2025/11/gema-v-openai",
            ),
            Source("urheber.info", "10 Dec 2025", "https://urheber.info/diskurs/openai-legt-berufung-ein"),
        ),
    ),
    Case(
        name="Kneschke v LAION",
        court="Hanseatic Higher Regional Court Hamburg, 5 U 104/24",
        copies=(
            "a photographer's picture, downloaded by the non-profit LAION while it built LAION-5B, the image "
            "collection Stable Diffusion was trained on"
        ),
        latest=(
            "**10 Dec 2025**: the photographer's appeal is dismissed. Downloading the photo to check that it matches "
            'its caption is text and data mining, which the law allows: the photo agency\'s "no scraping" rule was '
            "written in plain words on its website, not in a form a program can read. As a research group, LAION is "
            "also covered by the research exception. The case did not ask whether the photo is stored in the models "
            "later trained on LAION. A further appeal to the Federal Court of Justice was allowed (reported); we "
            "found no report that one was filed"
        ),
        status="decided",
        sources=(
            Source(
                "Heidrich Rechtsanwälte (LAION's lawyers), press release",
                "10 Dec 2025",
                "https://recht-im-internet.de/presseanfragen/pressemeldung-laion",
            ),
            Source(
                "AI Legal Journal",
                "Dec 2025",
                "https://www.ailegaljournal.com/2025/12/robert-kneschke-v-laion-judgment-of-10-december-2025-ref-5-u-104-24",
            ),
            Source(
                "photoscala",
                "17 Jan 2026",
                "https://www.photoscala.de/2026/01/17/olg-urteil-im-fall-laion-verschaerft-politischen-handlungsbedarf-bilder-landen-trotz-opt-out-in-ki-training/",
            ),
        ),
    ),
    Case(
        name="Getty Images v Stability AI",
        court="High Court of England and Wales, [2025] EWHC 2863 (Ch)",
        copies="millions of Getty photos used to train Stable Diffusion; some outputs show a distorted Getty watermark",
        latest=(
            '**4 Nov 2025**: "a model such as Stable Diffusion which does not store or reproduce any copyright works '
            "(and has never done so) is not an 'infringing copy'\". Getty had dropped its claims about training "
            "(done outside the UK) and about outputs during the trial; it won a narrow trade-mark point on watermarks "
            'from older model versions. **16 Dec 2025**: Getty may appeal on the "infringing copy" question '
            "([2025] EWHC 3343 (Ch)); the appeal will not decide whether the model stores the works"
        ),
        status="open",
        sources=(
            Source(
                "Spencer West",
                "6 Nov 2025",
                "https://www.spencer-west.com/news/getty-images-v-stability-ai-high-court-ruling-poses-questions-for-creative-industry",
            ),
            Source(
                "Chambers",
                "Dec 2025",
                "https://chambers.com/articles/copyright-and-ai-remain-in-focus-for-2026-with-getty-appeal-given-the-green-light",
            ),
            Source(
                "Taylor Wessing",
                "Jan 2026",
                "https://www.taylorwessing.com/en/insights-and-events/insights/2026/01/next-steps-for-getty-v-stability-why-has-permission-to-appeal-been-granted",
            ),
        ),
    ),
    Case(
        name="Getty Images v Stability AI",
        court="US: D. Del. 1:23-cv-00135, then N.D. Cal.",
        copies="the same photos, under US law",
        latest="**Aug 2025**: Getty dismissed its Delaware case itself, to file it again in the Northern District of California",
        status="open",
        sources=(
            Source(
                "IP/DE blog",
                "15 Aug 2025",
                "https://ipde.onrender.com/blog/2025/08/15/getty-images-voluntarily-dismisses-ai-action-to-re-file-in-nd-cal",
            ),
        ),
    ),
    Case(
        name="The New York Times v Microsoft and OpenAI",
        court=(
            "with *Tremblay* / *Silverman v OpenAI*, the *Authors Guild* case and the other authors' cases; "
            "S.D.N.Y., MDL No. 3143"
        ),
        copies=(
            'GPT-4 reproducing long passages of Times articles almost word for word ("regurgitation"); books used '
            "for training; ChatGPT's summaries of novels"
        ),
        latest=(
            "**Apr 2025**: the cases against OpenAI and Microsoft are gathered before one judge in New York. "
            "**4 Apr 2025**: the newspapers' main copyright claims go on. **27 Oct 2025**: so does the authors' claim "
            "that ChatGPT's *outputs* copy their books: a jury could find its detailed summaries of *A Game of "
            'Thrones* "substantially similar" to the book (fair use not yet decided). **2 Dec 2025**: OpenAI must '
            "hand over 20 million anonymised ChatGPT conversations, in which the newspapers may look for copies of "
            "their articles"
        ),
        status="open",
        sources=(
            Source(
                "Tomorrow's Publisher",
                "Apr 2025",
                "https://tomorrowspublisher.today/ethics/copyright-lawsuits-against-openai-and-microsoft-consolidated-in-new-york",
            ),
            Source(
                "Good Journey Consulting",
                "Apr 2025",
                "https://www.goodjourneyconsulting.com/blog/opinion-issued-on-motions-to-dismiss-for-the-nyt-copyright-consolidated-case-group",
            ),
            Source("Keyhani LLC", "27 Jan 2026", "https://keyhanillc.com/2026/01/27/open-ai-copyright-claims/"),
            Source(
                "Digital Policy Alert",
                "Dec 2025",
                "https://digitalpolicyalert.org/event/35851-southern-district-of-new-york-court-ordered-openai-produce-20-million-chatgpt-logs-the-new-york-times-v-openai-microsoft",
            ),
        ),
    ),
    Case(
        name="Bartz v Anthropic",
        court="N.D. Cal. 3:24-cv-05417",
        copies="authors' books used to train Claude, many from pirate libraries",
        latest=(
            '**23 Jun 2025**: training on books bought and scanned is fair use ("exceedingly transformative"); '
            "keeping pirated copies in a central library is not. **25 Sept 2025**: a class settlement of about "
            "$1.5 billion (about $3 000 per book) approved for now (*preliminary approval*). **14 May 2026**: at the "
            "final-approval hearing the new judge did not approve it yet and asked for more detail on the lawyers' "
            "fees and the payments (reported); we found no readable report of a final approval"
        ),
        status="settled",
        sources=(
            Source(
                "JD Supra",
                "Jun 2025",
                "https://production.jdsupra.com/legalnews/bartz-v-anthropic-early-look-at-8945363",
            ),
            Source(
                "Bloomberg Law",
                "13 Nov 2025",
                "https://news.bloomberglaw.com/ip-law/firm-fights-contact-ban-in-1-5-billion-anthropic-copyright-deal",
            ),
            Source(
                "Resultsense",
                "15 May 2026",
                "https://www.resultsense.com/news/2026-05-15-anthropic-15b-authors-settlement-hearing/",
            ),
        ),
    ),
    Case(
        name="Cruz v Anthropic",
        court="N.D. Cal.",
        copies=(
            "more than 25 authors who left the *Bartz* settlement (they *opted out*) sue on their own over the same "
            "pirated books used to train Claude"
        ),
        latest="**13 May 2026**: complaint filed, the day before the *Bartz* final-approval hearing (reported)",
        status="open",
        sources=(
            Source(
                "Resultsense",
                "15 May 2026",
                "https://www.resultsense.com/news/2026-05-15-anthropic-15b-authors-settlement-hearing/",
            ),
        ),
    ),
    Case(
        name="Kadrey v Meta",
        court="N.D. Cal. 3:23-cv-03417",
        copies="authors' books (from shadow libraries) used to train Llama",
        latest=(
            "**25 Jun 2025**: fair use on this record, because the authors showed no harm to the market for their "
            "books; the judge wrote that the ruling does not make such training lawful in general. The authors' "
            "separate claim, that Meta shared the pirated books with others while downloading them by BitTorrent, "
            "was left for later (reported)"
        ),
        status="open",
        sources=(
            Source(
                "FisherBroyles",
                "26 Jun 2025",
                "https://fisherbroyles.com/news/client-alert-summary-and-strategic-analysis-of-judge-chhabrias-fair-use-ruling-in-kadrey-v-meta",
            ),
            Source(
                "blife.team",
                "26 Jun 2025",
                "https://blife.team/post/judge-rejects-metas-claim-that-torrenting-is-irrelevant-in-ai-copyright-case",
            ),
        ),
    ),
    Case(
        name="Thomson Reuters v Ross Intelligence",
        court="D. Del. 1:20-cv-613; on appeal to the Third Circuit",
        copies="Westlaw headnotes (short summaries of court decisions) used to train a legal search tool that does not generate text",
        latest=(
            "**11 Feb 2025**: fair use rejected; the questions went to the Third Circuit (a federal appeals court) on "
            "*interlocutory appeal*, accepted **17 Jun 2025**. **11 Jun 2026**: the appeal was argued, the first US "
            "appeal on training and fair use (reported); we found no report of a decision"
        ),
        status="open",
        sources=(
            Source(
                "Klehr Harrison",
                "19 Feb 2025",
                "https://klehr.com/publications/in-a-first-of-its-kind-ruling-a-delaware-federal-court-rejects-an-ai-companys-fair-use-defense-to-using-copyrighted-material-to-train-an-ai-model",
            ),
            Source(
                "ChatGPT Is Eating the World",
                "14 Apr 2026",
                "https://chatgptiseatingtheworld.com/2026/04/14/third-circuit-sets-oral-argument-on-june-11-for-1st-appeal-of-decision-on-fair-use-in-ai-training-case-follows-another-recent-third-circuit-decision-on-fair-use-in-american-society-for-testing-v-upc/",
            ),
            Source(
                "Legal Wire Daily",
                "30 Jun 2026",
                "https://legalwiredaily.com/article/2026-06-30-at-3rd-circuit-judges-press-ross-and-tho/",
            ),
        ),
    ),
    Case(
        name="Disney and Universal v Midjourney",
        court="and *Warner Bros. Discovery v Midjourney*; C.D. Cal.",
        copies=(
            "outputs that reproduce the studios' characters (Darth Vader, Elsa, the Minions, Superman, Batman, Bugs "
            "Bunny …) on simple prompts"
        ),
        latest="**11 Jun 2025**: Disney and Universal sue. **Sept 2025**: Warner Bros. Discovery sues too, on the same grounds",
        status="open",
        sources=(
            Source(
                "Ervin Cohen & Jessup",
                "Jun 2025",
                "https://www.ecjlaw.com/ecj-blog/major-studios-strike-back-disney-universal-sue-midjourney-over-ai-created-characters-by-banu-naraghi",
            ),
            Source(
                "TweakTown",
                "4 Sep 2025",
                "https://www.tweaktown.com/news/107577/warner-bros-discovery-joins-the-list-of-companies-suing-midjourney-ai/index.html",
            ),
        ),
    ),
    Case(
        name="GEMA v Suno",
        court="Munich Regional Court I",
        copies=(
            'songs the music generator Suno makes that sound "confusingly similar" to hits such as *Forever Young* '
            "and *Mambo No. 5* (melody, harmony, rhythm); training on GEMA's repertoire without a licence"
        ),
        latest=(
            "**9 Mar 2026**: heard in court; a decision was announced for **12 Jun 2026** (reported). We could read "
            "no report of the decision: check it before class"
        ),
        status="open",
        sources=(
            Source(
                "Music Business Worldwide",
                "9 Mar 2026",
                "https://www.musicbusinessworldwide.com/gema-vs-suno-german-court-hears-landmark-ai-music-copyright-case",
            ),
            Source(
                "ZDFheute",
                "9 Mar 2026",
                "https://www.zdfheute.de/wirtschaft/suno-ki-musik-gema-urheberrecht-rechtsstreit-100.html",
            ),
        ),
    ),
    Case(
        name="Like Company v Google",
        court="Court of Justice of the European Union, C-250/25",
        copies=(
            "Google's chatbot Gemini repeating and summarising a Hungarian publisher's news articles. The EU's top "
            "court is asked whether *training* a language model copies the works, and whether the text-and-data-mining "
            "exception allows that"
        ),
        latest=(
            "**3 Apr 2025**: a Budapest court sends the questions to the EU's top court, the first such referral about "
            "AI. **10 Mar 2026**: hearing before its Grand Chamber (its largest panel of judges); the Advocate "
            "General's opinion (advice to the judges) was announced for **3 Sep 2026** (reported). We found no "
            "readable report of that opinion or of a judgment"
        ),
        status="open",
        sources=(
            Source("ZG Legal", "11 Jun 2025", "https://zglegal.pl/request-for-a-preliminary-ruling-concerning-ai"),
            Source(
                "Hengeler Mueller (Google's lawyers)",
                "Mar 2026",
                "https://hengeler-news.com/en/articles/hengeler-mueller-represents-google-in-landmark-aicopyright-case-before-cjeu",
            ),
        ),
    ),
    Case(
        name="Yomiuri v Perplexity",
        court="and *Nikkei and Asahi v Perplexity*; Tokyo District Court",
        copies=(
            "an AI search engine that copies news articles to write its answers; the newspapers say the answers "
            "reproduce their articles (and sometimes misquote them)"
        ),
        latest=(
            "**7 Aug 2025**: the Yomiuri sues over about 120 000 articles. **26 Aug 2025**: Nikkei and the Asahi sue "
            "too. The cases may test how far Japan's rule allowing copies for machine learning reaches (reported)"
        ),
        status="open",
        sources=(
            Source(
                "Jiji Press, on nippon.com",
                "8 Aug 2025",
                "https://www.nippon.com/en/news/yjj2025080701107/yomiuri-shimbun-sues-u-s-ai-firm-for-copyright-infringement.html",
            ),
            Source(
                "Tomorrow's Publisher",
                "26 Aug 2025",
                "https://tomorrowspublisher.today/regulation/yomiuri-sues-perplexity-for-alleged-mass-scraping/amp",
            ),
            Source("The Japan News", "28 Aug 2025", "https://japannews.yomiuri.co.jp/?p=277641"),
        ),
    ),
    Case(
        name="Concord Music v Anthropic",
        court="N.D. Cal. 5:24-cv-03811, from M.D. Tenn.",
        copies="Claude reproducing song lyrics on request",
        latest=(
            "**25 Mar 2025**: no order to stop Claude before the trial (*preliminary injunction* denied: no "
            "irreparable harm shown, and the order asked for was too broad); the case goes on"
        ),
        status="open",
        sources=(
            Source(
                "ai fray",
                "26 Mar 2025",
                "https://aifray.com/music-publishers-denied-preliminary-injunction-in-u-s-copyright-infringement-suit-against-anthropic",
            ),
        ),
    ),
    Case(
        name="Doe v GitHub",
        court="N.D. Cal. 4:22-cv-06823",
        copies="Copilot emitting licensed code it was trained on, without the licence",
        latest=(
            "most claims dismissed (orders of May 2023 and **22 Jan 2024**); the remaining question, under the DMCA, "
            "went to the Ninth Circuit on *interlocutory appeal* (briefs **Apr 2025**), the case waiting for it "
            "(reported); we found no report of a decision"
        ),
        status="open",
        sources=(
            Source(
                "Justia, order of 22 Jan 2024",
                "22 Jan 2024",
                "http://law.justia.com/cases/federal/district-courts/california/candce/4:2022cv06823/403220/195/",
            ),
            Source(
                "ChatGPT Is Eating the World",
                "14 Apr 2025",
                "https://chatgptiseatingtheworld.com/2025/04/14/doe-1-v-github-9th-circuit-brief-of-doe-appellant-on-dmca-cmi-claims/",
            ),
        ),
    ),
    Case(
        name="Andersen v Stability AI",
        court="N.D. Cal. 3:23-cv-00201",
        copies="visual artists: the models contain compressed copies of the training images (LAION)",
        latest=(
            "**12 Aug 2024**: the core copyright claims may go forward (DMCA claims dismissed); we found no "
            "trustworthy report of a later ruling"
        ),
        status="open",
        sources=(
            Source(
                "Manatt",
                "Aug 2024",
                "https://manatt.com/insights/newsletters/client-alert/artists-amended-complaint-against-generative-ai-c",
            ),
        ),
    ),
)
