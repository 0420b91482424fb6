"""llama-index's TextNode layout of a paragraph's Chroma metadata, written without importing llama-index.

`ChromaVectorStore` rebuilds a node from the `_node_content` JSON with `metadata_dict_to_node`, so
a paragraph written this way opens in `VectorStoreIndex.from_vector_store` as a `TextNode` whose
`id_` is the paragraph id, with its offsets and its SOURCE/PREVIOUS/NEXT relationships. Importing
llama_index.core costs 2-3 s, which ingest and the ask path must not pay, so the dict is built
here; tests/test_llama.py asserts it equals `node_to_metadata_dict(TextNode(...), remove_text=True,
flat_metadata=True)` of the installed llama-index, so a change in their layout fails a test.
"""

from __future__ import annotations

import json

from index.records import Document, Paragraph

# llama_index.core.schema: NodeRelationship and ObjectType values, as serialised.
SOURCE, PREVIOUS, NEXT = "1", "2", "3"
TEXT_NODE, DOCUMENT_NODE = "1", "4"


def node_metadata(document: Document, paragraph: Paragraph, previous: str | None, following: str | None) -> dict:
    """The flat metadata llama-index's Chroma store writes for this paragraph as a TextNode (text left out)."""
    metadata = node_fields(document, paragraph)
    relationships = {SOURCE: _related(document.id, DOCUMENT_NODE)}
    if previous is not None:
        relationships[PREVIOUS] = _related(previous, TEXT_NODE)
    if following is not None:
        relationships[NEXT] = _related(following, TEXT_NODE)
    node: dict[str, object] = {
        "id_": paragraph.id,
        "embedding": None,
        "metadata": dict(metadata),
        "excluded_embed_metadata_keys": [],
        "excluded_llm_metadata_keys": [],
        "relationships": relationships,
        "metadata_template": "{key}: {value}",
        "metadata_separator": "\n",
        "text": "",
        "mimetype": "text/plain",
        "start_char_idx": paragraph.start,
        "end_char_idx": paragraph.end,
        "text_template": "{metadata_str}\n\n{content}",
        "class_name": "TextNode",
    }
    return {
        **metadata,
        "_node_content": json.dumps(node, ensure_ascii=False),
        "_node_type": "TextNode",
        "document_id": document.id,
        "doc_id": document.id,
        "ref_doc_id": document.id,
    }


def node_fields(document: Document, paragraph: Paragraph) -> dict[str, str]:
    """The node's own metadata: what a llama-index user filters and prompts on. Chroma cannot store None."""
    return {
        "doc_id": document.id,
        "title": document.title,
        "date": document.date or "",
        "outlet": document.outlet or "",
        "heading": paragraph.heading,
    }


def _related(node_id: str, node_type: str) -> dict:
    return {"node_id": node_id, "node_type": node_type, "metadata": {}, "hash": None, "class_name": "RelatedNodeInfo"}
