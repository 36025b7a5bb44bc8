"""Schema generation: DRF leaves out ``.{format}`` URLs, which are exactly how Open311
GeoReport v2 names its endpoints; this generator keeps them."""

from __future__ import annotations

from typing import Any

from drf_spectacular.generators import EndpointEnumerator, SchemaGenerator


class _Enumerator(EndpointEnumerator):
    def should_include_endpoint(self, path: str, callback: Any, *args: Any, **kwargs: Any) -> bool:
        if path.startswith("/open311/") and path.endswith(".{format}"):
            return callback.cls.schema is not None
        return bool(super().should_include_endpoint(path, callback, *args, **kwargs))


class CinarSchemaGenerator(SchemaGenerator):
    endpoint_inspector_cls = _Enumerator
