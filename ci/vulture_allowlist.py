"""Names in src/ that vulture (make lint: `vulture src ci/vulture_allowlist.py
--min-confidence 60`) cannot see used, each with the reason it is used.

vulture reads this file as code: every name written here counts as used.
"""

from vulture.whitelists.whitelist_utils import Whitelist

from chartkit.cluster import choice, smoke, smoke_upgrade

attribute = Whitelist()

# `make smoke` runs pytest on tests/smoke/, outside src/: its conftest.py chooses the
# cluster, opens the smoke session and runs the releases through these.
choice.detect  # tests/smoke/conftest.py: smoke_cluster
smoke.session  # tests/smoke/conftest.py: smoke_results
smoke.SmokeRun  # tests/smoke/conftest.py: smoke_results
smoke_upgrade.upgrade_sources  # tests/smoke/conftest.py: upgrade_sources_from (--upgrade-from)

# ruamel.yaml reads YAML.preserve_quotes, an attribute set on its object (a "1.0" stays
# quoted when a values file is written back).
attribute.preserve_quotes  # chartkit.migration.document._yaml sets it; ruamel.yaml reads it
