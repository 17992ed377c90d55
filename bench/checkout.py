"""Makes a bench script, and every process it starts, run the checkout it lives in.

A venv's editable install points `import campaign` at one checkout, so a bench run from another
checkout (main's, to time before and after side by side) would otherwise time the same code twice.
Imported first by every bench script.
"""

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
