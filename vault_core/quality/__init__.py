"""Data quality of the anonymized zone: expectation suites (Great Expectations 1.x, imported only
when a suite runs), the contract suite generated per dataset, and the residual-PII estimate.

``vault_core.quality.contract`` and ``vault_core.quality.validate`` are imported by path (the
contract reads a ``DatasetSpec``, which itself names the suites declared here)."""

from vault_core.quality.exceptions import QualityError as QualityError
from vault_core.quality.exceptions import SuiteDefinitionError as SuiteDefinitionError
from vault_core.quality.exceptions import SuiteFileError as SuiteFileError
from vault_core.quality.residual import RESIDUAL_CHECK as RESIDUAL_CHECK
from vault_core.quality.residual import ResidualEstimate as ResidualEstimate
from vault_core.quality.residual import ResidualPiiSpec as ResidualPiiSpec
from vault_core.quality.residual import wilson_interval as wilson_interval
from vault_core.quality.suite import CONTRACT_SUITE as CONTRACT_SUITE
from vault_core.quality.suite import ExpectationSuiteSpec as ExpectationSuiteSpec
from vault_core.quality.suite import Severity as Severity

__all__ = [
    "CONTRACT_SUITE",
    "RESIDUAL_CHECK",
    "ExpectationSuiteSpec",
    "QualityError",
    "ResidualEstimate",
    "ResidualPiiSpec",
    "Severity",
    "SuiteDefinitionError",
    "SuiteFileError",
    "wilson_interval",
]
