"""llama-index adapters, the one module that imports it: our collection as a vector store, our retriever and encoder.

Importing llama_index.core costs 2-3 s, so nothing on the ask path or the CLI's start imports this
module; `Library.as_llama_retriever` imports it on first use.
"""

from __future__ import annotations

from typing import Any

from llama_index.core.base.embeddings.base import BaseEmbedding
from llama_index.core.retrievers import BaseRetriever
from llama_index.core.schema import NodeWithScore, QueryBundle, TextNode
from llama_index.core.vector_stores.utils import metadata_dict_to_node
from llama_index.vector_stores.chroma import ChromaVectorStore
from pydantic import PrivateAttr

from index.embed import Embedder
from index.retrieve import Retriever
from index.store import ParagraphStore


def vector_store(store: ParagraphStore) -> ChromaVectorStore:
    """The paragraphs collection as llama-index's Chroma store: each row reads as our paragraph's TextNode.

    Its scores are exp(-cosine distance), not cosine similarity: do not hold them against our thresholds.
    """
    return ChromaVectorStore(chroma_collection=store.paragraph_collection)


class EncoderEmbedding(BaseEmbedding):
    """Our all-MiniLM-L6-v2 encoder as a llama-index embedding model (the same vectors the store holds)."""

    _embedder: Embedder = PrivateAttr()

    def __init__(self, embedder: Embedder, **kwargs: Any) -> None:
        super().__init__(model_name="all-MiniLM-L6-v2", **kwargs)
        self._embedder = embedder

    def _get_query_embedding(self, query: str) -> list[float]:
        return [float(x) for x in self._embedder.embed([query])[0]]

    async def _aget_query_embedding(self, query: str) -> list[float]:
        return self._get_query_embedding(query)

    def _get_text_embedding(self, text: str) -> list[float]:
        return self._get_query_embedding(text)

    def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
        return [[float(x) for x in row] for row in self._embedder.embed(texts)]


class HybridRetriever(BaseRetriever):
    """Our hybrid retrieval (dense + excerpts + BM25, fused by rank) as a llama-index retriever.

    The nodes are the paragraphs as stored (id_, offsets, metadata, SOURCE/PREVIOUS/NEXT), scored by
    the fused reciprocal-rank score, so a query engine's source nodes are our citable paragraphs.
    """

    def __init__(self, retriever: Retriever, k: int = 5) -> None:
        super().__init__()
        self._retriever = retriever
        self._k = k

    def _retrieve(self, query_bundle: QueryBundle) -> list[NodeWithScore]:
        passages = self._retriever.retrieve(query_bundle.query_str, self._k)
        rows = self._retriever.store.node_rows([p.paragraph.id for p in passages])
        found = []
        for passage in passages:
            if passage.paragraph.id in rows:
                metadata, text = rows[passage.paragraph.id]
                node = metadata_dict_to_node(metadata, text=text)
            else:  # written between the two reads: the passage itself still holds all a node needs
                node = TextNode(
                    id_=passage.paragraph.id,
                    text=passage.paragraph.text,
                    start_char_idx=passage.paragraph.start,
                    end_char_idx=passage.paragraph.end,
                )
            found.append(NodeWithScore(node=node, score=passage.score))
        return found
