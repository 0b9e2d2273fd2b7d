"""Severity outside a café: reasons that fit the business (a perfume's headache is a health
problem, not food poisoning), mild injuries and bike-shop hazards, fintech money lost,
leaks to strangers and other patients, harm words that name no product, and praise that
is a complaint. The six-business set (`tests/fixtures/severity/businesses*.tsv`) is
measured by `benchmarks/eval_severity_businesses.py`."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from classifier.embedded import EmbeddedClassifier, EmbeddedOptions
from classifier.severity.head import load_head
from classifier.severity.levels import REASON_TEXT, REASONS, RULE_REASONS, Assessment
from classifier.severity.rules import assess_by_rules
from classifier.severity.wrap import SeverityClassifier, severity_model_for

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "severity"

CRITICAL = [
    # illness after a non-food product or a treatment is a health problem
    ("parfumnya bikin pusing, baru semprot dikit langsung mual", "health"),
    ("this perfume gave me a headache, had to lie down after wearing it", "health"),
    ("the doctor prescribed the wrong dosage and I ended up vomiting for a day", "health"),
    ("resep obatnya salah, saya jadi mual dan pusing seharian", "health"),
    ("got an infection at the injection site after my appointment", "health"),
    ("bed bugs in the room, woke up covered in bites", "health"),
    # food still names food poisoning, whatever else the post names
    ("felt dizzy and nauseous after the mushroom toast", "food_poisoning"),
    (
        "Anak saya diare setelah minum susu dari toko kalian, sampai dibawa ke klinik",
        "food_poisoning",
    ),
    ("abis minum es kopinya langsung mules sampe pagi", "food_poisoning"),
    # skin reactions to cosmetics
    ("Your new moisturiser gave me a rash all over my cheeks", "allergy"),
    ("the toner burned my skin, it's red and peeling now", "allergy"),
    # mild injuries and hazards
    ("the pedal snapped off on my first ride and I scraped my knee pretty bad", "injury"),
    ("baut stang ga dikencengin, pas turunan stangnya lepas, lutut gw lecet", "injury"),
    ("picked up my bike after the service, front brake barely worked", "injury"),
    ("rem sepeda listriknya ga pakem abis diservis, anak saya nyungsep", "injury"),
    ("wheel came off while riding because the quick release was loose", "injury"),
    ("Your e-bike battery started smoking in my hallway last night", "injury"),
    ("barista spilled hot coffee on my arm and it blistered", "injury"),
    # money taken
    ("transfer gagal tapi saldo udah kepotong 500rb", "money_lost"),
    ("top up 200k udah sukses di m-banking tapi saldo di app ga nambah2", "money_lost"),
    ("cancelled within the free cancellation window and you still charged my card", "money_lost"),
    ("love the app, except my money vanished after a failed transfer", "money_lost"),
    # found on the held-aside posts after the first round of fixes
    ("used the retinol serum last night and woke up with my face puffy and itchy", "allergy"),
    ("went over the bars at 25km/h, road rash everywhere", "injury"),
    ("dikasih antibiotik yang salah, badan saya lemes dan muntah2 seharian", "health"),
    ("tiba2 ada notif transaksi 3 juta yang bukan saya", "fraud"),
    ("hasil lab saya kekirim ke email pasien lain", "data_leak"),
    # data
    ("you emailed my test results to another patient", "data_leak"),
    ("resepsionis ngasih nomor kamar dan nomor hp saya ke orang asing", "data_leak"),
]

NOT_CRITICAL = [
    ("harganya bikin pusing, mahal banget sekarang", "normal"),
    ("this app gives me a headache, the menus are a maze", "normal"),
    ("Took my daughter to Urgent Care for a fever. The doctor was fantastic", "normal"),
    ("musim pancaroba, badan meriang", "normal"),
    ("aplikasinya dikasih mode gelap dong min, mata gw perih malem2", "normal"),
    ("bagasi gw rusak pas sampe, rodanya copot", "normal"),
    ("kaca spion yang dipasang kemarin udah goyang", "normal"),
    ("kak tolong sediain kantong plastik yg agak tebel", "normal"),
    ("ada rambut di bantal sama handuk, jorok banget", "high"),
    ("saw a cockroach in the bathroom of our room", "high"),
    ("the view is to die for but checkout took forever", "normal"),
    ("jangan lupa minta late checkout, biasanya dikasih sampe jam 2", "normal"),
    ("ga bisa checkout dari kemarin, selalu error pas bayar", "high"),
    ("paylater nya error pas checkout, mohon dicek", "high"),
    ("withdrawal to my bank account has been stuck for 5 days", "high"),
    ("our reservation was given away, arrived at 11pm with no room", "high"),
]


@pytest.mark.parametrize(("text", "reason"), CRITICAL)
def test_rules_name_the_harm_the_business_caused(text: str, reason: str) -> None:
    got = assess_by_rules(text)
    assert (got.level, got.reason) == ("critical", reason)


@pytest.mark.parametrize(("text", "level"), NOT_CRITICAL)
def test_harm_words_that_name_no_harm_to_a_customer(text: str, level: str) -> None:
    assert assess_by_rules(text).level == level


def test_every_reason_reads_for_any_business() -> None:
    assert set(RULE_REASONS) == set(REASON_TEXT)
    assert Assessment("critical", "health").text == "critical: health problem reported"
    assert Assessment("critical", "allergy").text == "critical: allergic or skin reaction"
    # the head names only the reasons it was trained on, one weight column each
    assert load_head().reason_w.shape[1] == len(REASONS) and "health" not in REASONS


def _rows(name: str) -> list[dict[str, str]]:
    with (FIXTURES / name).open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE))


@pytest.mark.parametrize(
    ("name", "least"), [("businesses.tsv", 0.95), ("businesses_heldaside.tsv", 0.85)]
)
def test_rules_agree_with_a_careful_reader_across_businesses(name: str, least: float) -> None:
    rows = _rows(name)
    agree = 0
    for row in rows:
        got = assess_by_rules(row["text"])
        agree += (got.level, got.reason or "-") == (row["severity"], row["reason"])
    assert agree / len(rows) >= least


@pytest.fixture(scope="module")
def classifier(tmp_path_factory: pytest.TempPathFactory) -> SeverityClassifier:
    encoder = EmbeddedClassifier(EmbeddedOptions(), tmp_path_factory.mktemp("sev-biz"))
    return SeverityClassifier(encoder, severity_model_for(encoder))


def test_praise_that_reports_a_failure_is_a_complaint(classifier: SeverityClassifier) -> None:
    rude, skin, headache, loyal = classifier.classify(
        [
            "Gowes Bike top banget, cuma mekaniknya tadi kasar pas saya tanya harga",
            "Best perfume ever, too bad it made my skin red and itchy 🙃",
            "Glowlab wanginya enak banget tapi bikin kepala pusing seharian",
            "third time ordering from Kopi Senja this month, love it!",
        ]
    )
    assert "complaint" in rude.labels and rude.severity == "high"
    assert "complaint" in skin.labels and skin.severity_reason == "allergic or skin reaction"
    assert "complaint" in headache.labels
    assert headache.severity_reason == "health problem reported"
    assert "complaint" not in loyal.labels  # a high phrase in plain praise stays praise
