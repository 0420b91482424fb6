"""Searching a collection under the source filter (issue 13): the `where` clause, and brute force for a narrow one.

Chroma is not imported here: these take the collection index/store.py opened.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from index.rows import Record, is_live

# Candidates Chroma's HNSW graph explores per kNN query (its default is 100). Retrieval asks for 90
# excerpts and 30 paragraphs, and hnswlib searches max(ef_search, k): at 100 it returned 73-93% of the
# true 90 nearest excerpts of the synthetic eval-scale corpus (1,968 excerpts, 200 questions; the
# share changed from one build to the next, so recall@5 over 360 questions moved 0.967-1.000 between
# identical indexings), at 300 99.4-99.9%, 1.3 -> 1.6 ms a query there. benchmarks/scale.py, 125k
# paragraphs and 534k excerpts (synthetic vectors): ask p50 35.7 ms at 100, 32.9 ms at 300 (no cost
# seen), p95 43.1 / 38.4 ms; through a Chroma server p50 44.5 / 39.9 ms.
HNSW_EF_SEARCH = 300


def among(doc_ids: Sequence[str] | None) -> dict[str, Any] | None:
    """The `where` clause keeping only these documents' rows (None: every row)."""
    if doc_ids is None:
        return None
    ids = sorted(set(doc_ids))
    return {"doc_id": ids[0]} if len(ids) == 1 else {"doc_id": {"$in": ids}}


def searching_wide(collection: Any) -> Any:
    """The collection, its kNN set to explore HNSW_EF_SEARCH candidates (a store made before this kept 100)."""
    configured = (getattr(collection, "configuration_json", None) or {}).get("hnsw") or {}
    if int(configured.get("ef_search", HNSW_EF_SEARCH)) < HNSW_EF_SEARCH:
        collection.modify(configuration={"hnsw": {"ef_search": HNSW_EF_SEARCH}})
    return collection


def exact_nearest(
    collection: Any, vector: np.ndarray, k: int, doc_ids: Sequence[str], live: dict[str, Record]
) -> list[tuple[str, Any, str, float]]:
    """(id, metadata, text, cosine) of the k rows of these documents nearest the vector, by brute force.

    For a narrow filter this is the fast path: at 100k paragraphs Chroma's `where`-filtered query
    took ~400 ms a call on these 2 shared cores, reading one document's 20 rows with their vectors
    ~30 ms (benchmarks/filter_scale.py).
    """
    page = collection.get(where=among(doc_ids), include=["metadatas", "documents", "embeddings"])
    keep = [i for i, meta in enumerate(page["metadatas"]) if is_live(meta, live)]  # see ParagraphStore._query
    if not keep:
        return []
    page = {key: [page[key][i] for i in keep] for key in ("ids", "metadatas", "documents", "embeddings")}
    rows = np.asarray(page["embeddings"], dtype=np.float32)
    norms = np.linalg.norm(rows, axis=1) * (float(np.linalg.norm(vector)) or 1.0)
    similarity = rows @ vector.astype(np.float32) / np.where(norms == 0, 1.0, norms)
    best = np.argsort(-similarity, kind="stable")[:k]
    return [(page["ids"][i], page["metadatas"][i], page["documents"][i] or "", float(similarity[i])) for i in best]
