"""The README's promises about names: `aigym.tracking` after `import aigym`, and a typo'd
task type warns with the closest known one instead of returning nothing silently."""

from __future__ import annotations

import subprocess
import sys
import warnings

import pytest

from aigym.store import ParquetStore
from aigym.tracking import MetricTracker, get_task_comparison
from tests.tracking.helpers import GPT4O, UNTIL, add_arm


def test_import_aigym_then_attribute_access_in_a_fresh_interpreter() -> None:
    code = (
        "import aigym\n"
        "t = aigym.tracking.get_metric_tracker()\n"
        "print(type(t).__name__, aigym.abtest.compare_models.__name__, "
        "aigym.stats.cluster_mean.__name__, 'tracking' in dir(aigym))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert out.stdout.split() == ["MetricTracker", "compare_models", "cluster_mean", "True"]


def test_unknown_attribute_still_raises() -> None:
    import aigym

    with pytest.raises(AttributeError, match="no attribute 'trackin'"):
        _ = aigym.trackin  # type: ignore[attr-defined]


def test_typo_in_task_type_warns_with_the_closest_stored_task(
    store: ParquetStore, tracker: MetricTracker
) -> None:
    add_arm(store, GPT4O, "contract_review", [80.0, 82.0], [0.01, 0.01])
    with pytest.warns(UserWarning, match="did you mean 'contract_review'") as rec:
        comparison = tracker.get_task_comparison(store, "contract_reveiw", until=UNTIL)
    assert len(comparison) == 0
    assert rec[0].filename == __file__  # points at the caller, not aigym's internals
    with pytest.warns(UserWarning, match="did you mean 'email_writing'"):
        tracker.get_model_stats(store, GPT4O, "email_writting", until=UNTIL)
    with pytest.warns(UserWarning, match="did you mean 'contract_review'"):
        tracker.get_recent(store, task_type="contract_reviews", until=UNTIL)


def test_no_warning_for_a_stored_task_outside_the_window_or_a_hit(store: ParquetStore) -> None:
    add_arm(store, GPT4O, "contract_review", [80.0, 82.0], [0.01, 0.01], day=40)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert len(get_task_comparison(store, "contract_review", until=UNTIL, days=30)) == 0
        assert len(get_task_comparison(store, "contract_review", until=UNTIL, days=60)) == 1


def test_no_close_match_lists_the_known_types(store: ParquetStore) -> None:
    with pytest.warns(UserWarning, match="known task types: .*email_writing"):
        get_task_comparison(store, "zzzz_qqqq", until=UNTIL)
