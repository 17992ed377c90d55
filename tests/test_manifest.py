"""manifest.json read back: one typed reader, and one clear error for anything it cannot use."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from campaign.errors import InputError
from campaign.output.manifest import load_manifest

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)


def _write(folder: Path, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "manifest.json").write_text(text, encoding="utf-8")
    return folder


@settings(max_examples=150, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    document=JSON
    | st.fixed_dictionaries({"campaign": JSON, "candidates": JSON})
    | st.fixed_dictionaries(
        {"campaign": st.fixed_dictionaries({"name": JSON}), "candidates": st.lists(JSON)}
    )
)
def test_any_json_is_read_or_refused_in_one_sentence(tmp_path: Path, document) -> None:
    folder = _write(tmp_path / "out", json.dumps(document))
    try:
        manifest = load_manifest(folder)
    except InputError as exc:
        assert "manifest.json" in str(exc)
    else:
        assert all(isinstance(c, dict) and "id" in c for c in manifest.candidates)
        assert len(manifest.candidates) == len(document["candidates"])  # no row dropped


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{", "cannot read the manifest"),
        ('{"candidates": []}', "no campaign name"),
        ('{"campaign": {"name": "x"}, "candidates": [{"rank": 1}]}', "without an id"),
    ],
)
def test_unusable_manifests_are_clear_errors(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        load_manifest(_write(tmp_path / "out", text))
    with pytest.raises(InputError, match="missing"):
        load_manifest(tmp_path / "nowhere")


def test_an_older_manifest_reads_without_the_recorded_theme(tmp_path: Path) -> None:
    old = {"campaign": {"name": "x", "theme": "night", "formats": ["square"]}, "candidates": []}
    manifest = load_manifest(_write(tmp_path / "out", json.dumps(old)))
    assert (manifest.theme, manifest.theme_path, manifest.formats) == ("night", None, ["square"])
