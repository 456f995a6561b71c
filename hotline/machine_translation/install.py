"""``make models``: install every .argosmodel in a folder, offline.

    python -m hotline.machine_translation.install ARGOS_MODELS_DIR

Uses argostranslate's own installer (``package.install_from_path``) into ``ARGOS_PACKAGES_DIR``
(default var/argos-packages). On a machine with internet, ``argospm install translate-en_zh``
(with the same ``ARGOS_PACKAGES_DIR``) does the same from the Argos package index.
"""

import sys
from pathlib import Path

from hotline.config import load_settings
from hotline.machine_translation.engine import install_packages, installed_packages
from hotline.machine_translation.translator import PIVOT, route_between


def main(argv: list[str]) -> int:
    if len(argv) != 1 or not Path(argv[0]).is_dir():
        print("usage: python -m hotline.machine_translation.install ARGOS_MODELS_DIR (a folder of .argosmodel files)",
              file=sys.stderr)
        return 2
    target = load_settings().argos_packages_dir
    installed = install_packages(Path(argv[0]), target)
    for path in installed:
        print(f"installed {path.name}")
    if not installed:
        print(f"no .argosmodel files in {argv[0]}")
    pairs = {(p.from_code, p.to_code) for p in installed_packages(target)}
    print(f"packages in {target}: {', '.join(sorted(f'{a}->{b}' for a, b in pairs)) or 'none'}")
    for source, target_lang in (("en", "zh"), ("ja", "zh"), ("zh", "en"), ("zh", "ja")):
        route = route_between(pairs, source, target_lang)
        print(f"  {source}->{target_lang}: {' -> '.join(route) if route else 'missing'}"
              + (f" (through {PIVOT})" if route and len(route) > 2 else ""))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
