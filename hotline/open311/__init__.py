"""Open311 GeoReport v2 (with FixMyStreet's service request updates) under /open311/v2/."""
