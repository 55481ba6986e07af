"""Court bundles: a ZIP of a case's evidence that anyone can check offline (``layout``).

``write_bundle``/``build_bundle`` make one (audited); ``verify_bundle`` checks one, as
``flagdesk evidence verify`` does.
"""

from .build import BundleReport, build_bundle, bundle_filename, write_bundle
from .verify import BundleCheck, check_bundle, verify_bundle

__all__ = [
    "BundleCheck",
    "BundleReport",
    "build_bundle",
    "bundle_filename",
    "check_bundle",
    "verify_bundle",
    "write_bundle",
]
