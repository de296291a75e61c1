"""The replication report: every printed cell reproduced or explained; a wrong table is caught."""

import pytest

from conftest import ROOT
from igb.analysis.tables import report_tables
from igb.rivm2009.compare import compare, summary
from igb.survey.codebook import Codebook
from igb.survey.recode import recode
from igb.survey.schema import validate_file
from igb.survey.wave import load_spec


@pytest.fixture(scope="module")
def computed():
    spec = load_spec("rivm2009")
    _, canonical = validate_file(ROOT / "data" / "raw" / "rivm2009" / "responses.csv", spec=spec)
    return report_tables(recode(canonical, wave="rivm2009", codebook=Codebook.load()), sent=spec.sent)


def test_every_printed_cell_is_reproduced_or_explained(computed):
    report = compare(computed)
    assert (report.status == "unexplained").sum() == 0
    assert set(report[report.status == "not_computed"]["table"]) == {"3.1"}
    totals = summary(report).loc["total"]
    assert totals["match"] > 800
    # the report's own example is explained, not matched
    row = report[(report.table == "VII.2") & (report.unit == "2") & (report.item == "segv_work")].iloc[0]
    assert row.status == "explained" and row["count"] == 5


def test_a_wrong_computation_is_an_unexplained_difference(computed):
    broken = computed.copy()
    hit = (broken.table == "VIII.2") & (broken.unit == "7")
    broken.loc[hit, "count"] = 10
    broken.loc[hit, "pct"] = 100 * 10 / 12
    report = compare(broken)
    bad = report[report.status == "unexplained"]
    assert list(bad[["table", "unit"]].itertuples(index=False, name=None)) == [("VIII.2", "7")]
