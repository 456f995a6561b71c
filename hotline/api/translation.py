"""GET /api/translation/status: which language pairs the installed models translate, and how."""

from typing import Any

from fastapi import APIRouter

from bot.lang import LANGS
from hotline.api.auth import StaffReader
from hotline.deps import BackendDep
from hotline.machine_translation.engine import installed_packages
from hotline.machine_translation.translator import PIVOT, route_between

router = APIRouter(prefix="/api/translation", tags=["translation"])


@router.get("/status")
def translation_status(backend: BackendDep, _staff: StaffReader) -> dict[str, Any]:
    """Installed packages (read from their metadata; no model is loaded) and the route per served pair."""
    packages = installed_packages(backend.settings.argos_packages_dir)
    pairs = {(p.from_code, p.to_code) for p in packages}
    routes = []
    for source in LANGS:
        for target in LANGS:
            if source is target:
                continue
            route = route_between(pairs, source.value, target.value)
            routes.append({"from": source.value, "to": target.value, "available": route is not None,
                           "via": list(route[1:-1]) if route else []})
    return {
        "engine": "argostranslate",
        "installed": [{"from": p.from_code, "to": p.to_code, "package_version": p.version} for p in packages],
        "pivot_language": PIVOT,
        "pivot_available": any(r["via"] for r in routes),
        "routes": routes,
        "machine_translation_available": bool(packages),
    }
