"""Notebook tables in words: item ids written as the codebook's labels, headers from the notebook's texts."""

import pandas as pd
import yaml

from conftest import ROOT
from igb.report.labels import for_reading
from igb.survey.codebook import Codebook

LABELS = yaml.safe_load((ROOT / "params" / "codebook.yaml").read_text(encoding="utf-8"))["items"]


def test_item_ids_become_labels_in_values_index_and_column_names():
    frame = pd.DataFrame({"item": ["health_work", "segv_work", "not_an_item"], "p": [0.1, 0.2, 0.3],
                          "collaborates": [1, 2, 3]}, index=pd.Index(["segv_work", "x", "health_work"], name="item"))
    for lang in ("nl", "en"):
        shown = for_reading(frame, columns={"item": "ONDERWERP", "p": "P"}, codebook=Codebook.load(), lang=lang)
        health, segv = LABELS["health_work"]["label"][lang], LABELS["segv_work"]["label"][lang]
        assert shown["ONDERWERP"].tolist() == [health, segv, "not_an_item"]
        assert shown.index.tolist() == [segv, "x", health] and shown.index.name == "ONDERWERP"
        assert list(shown.columns) == ["ONDERWERP", "P", LABELS["collaborates"]["label"][lang]]
        assert shown["P"].tolist() == [0.1, 0.2, 0.3]
    assert frame["item"].tolist() == ["health_work", "segv_work", "not_an_item"]  # the frame itself is not changed
