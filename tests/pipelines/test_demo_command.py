"""`vault demo` imports the demo only when it runs and names the extra when Faker is missing."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def test_when_faker_is_not_installed_then_vault_demo_names_the_extra(tmp_path: Path) -> None:
    # None in sys.modules makes `import faker` fail as if the demo extra were not installed.
    code = (
        "import sys; sys.modules['faker'] = None; "
        "from vault_pipelines.cli import main; "
        f"sys.exit(main(['--home', {str(tmp_path / 'vault')!r}, 'demo']))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=300, check=False
    )
    assert result.returncode == 2, result.stderr
    assert "demo extra" in result.stderr
    assert not (tmp_path / "vault").exists()
