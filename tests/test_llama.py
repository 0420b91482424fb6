"""llama-index reads our store in its own layout, and our retriever and encoder work inside its query engines."""

from __future__ import annotations

import subprocess
import sys

from llama_index.core import VectorStoreIndex
from llama_index.core.llms import MockLLM
from llama_index.core.query_engine import RetrieverQueryEngine
from llama_index.core.schema import NodeRelationship, ObjectType, RelatedNodeInfo, TextNode
from llama_index.core.vector_stores.utils import node_to_metadata_dict

from assistant.library import Library
from index.embed import Embedder
from index.llama import EncoderEmbedding, HybridRetriever, vector_store

FACT = "Which graphics processor did Washington approve for sale to Chinese companies?"
OURS = ("paragraph_id", "start", "end", "generation", "excerpts", "entities")  # keys beside llama-index's, ours


def test_every_stored_paragraph_is_exactly_what_node_to_metadata_dict_writes(seeded_library: Library) -> None:
    store = seeded_library.store
    documents = {d.id: d for d in seeded_library.documents()}
    for doc_id in documents:
        paragraphs = store.paragraphs(doc_id)
        rows = store.node_rows([p.id for p in paragraphs])
        for i, p in enumerate(paragraphs):
            relationships = {NodeRelationship.SOURCE: RelatedNodeInfo(node_id=doc_id, node_type=ObjectType.DOCUMENT)}
            if i > 0:
                relationships[NodeRelationship.PREVIOUS] = RelatedNodeInfo(
                    node_id=paragraphs[i - 1].id, node_type=ObjectType.TEXT
                )
            if i + 1 < len(paragraphs):
                relationships[NodeRelationship.NEXT] = RelatedNodeInfo(
                    node_id=paragraphs[i + 1].id, node_type=ObjectType.TEXT
                )
            node = TextNode(
                id_=p.id,
                text=p.text,
                start_char_idx=p.start,
                end_char_idx=p.end,
                metadata={
                    "doc_id": doc_id,
                    "title": p.title,
                    "date": p.date or "",
                    "outlet": p.outlet or "",
                    "heading": p.heading,
                },
                relationships=relationships,
            )
            stored, text = rows[p.id]

            assert {k: v for k, v in stored.items() if k not in OURS} == node_to_metadata_dict(
                node, remove_text=True, flat_metadata=True
            )
            assert text == p.text


def test_our_collection_opens_as_a_vector_store_index_whose_nodes_are_our_paragraphs(
    seeded_library: Library, embedder: Embedder
) -> None:
    index = VectorStoreIndex.from_vector_store(
        vector_store(seeded_library.store), embed_model=EncoderEmbedding(embedder)
    )

    hits = index.as_retriever(similarity_top_k=3).retrieve(FACT)

    node = next(hit.node for hit in hits if "H200" in hit.node.get_content())
    paragraph = seeded_library.store.paragraphs_by_id([node.node_id])[0]
    document_text = seeded_library.document_text(paragraph.doc_id)
    assert document_text is not None
    assert (node.start_char_idx, node.end_char_idx) == (paragraph.start, paragraph.end)
    assert document_text[node.start_char_idx : node.end_char_idx] == node.get_content()
    assert node.ref_doc_id == paragraph.doc_id
    assert node.node_id.startswith(f"{paragraph.doc_id}#p")
    assert node.metadata["title"] == paragraph.title
    neighbours = [p.id for p in seeded_library.paragraphs(paragraph.doc_id)]
    at = neighbours.index(node.node_id)
    if at > 0:
        assert node.prev_node is not None and node.prev_node.node_id == neighbours[at - 1]
    if at + 1 < len(neighbours):
        assert node.next_node is not None and node.next_node.node_id == neighbours[at + 1]


def test_our_retriever_in_a_retriever_query_engine_gives_our_paragraphs_as_source_nodes(
    seeded_library: Library,
) -> None:
    engine = RetrieverQueryEngine.from_args(retriever=seeded_library.as_llama_retriever(k=3), llm=MockLLM())

    response = engine.query(FACT)

    expected = seeded_library.retrieve(FACT, 3)
    assert [n.node.node_id for n in response.source_nodes] == [p.paragraph.id for p in expected]
    assert [(n.node.start_char_idx, n.node.end_char_idx) for n in response.source_nodes] == [
        (p.paragraph.start, p.paragraph.end) for p in expected
    ]
    assert [n.score for n in response.source_nodes] == [p.score for p in expected]
    assert any("H200" in n.node.get_content() for n in response.source_nodes)


def test_the_encoder_embedding_gives_the_vectors_the_store_holds(seeded_library: Library, embedder: Embedder) -> None:
    model = EncoderEmbedding(embedder)

    vector = model.get_query_embedding(FACT)

    assert vector == [float(x) for x in embedder.embed([FACT])[0]]
    assert len(model.get_text_embedding_batch(["one", "two"])) == 2


def test_a_retriever_for_k_paragraphs_returns_k_nodes(seeded_library: Library) -> None:
    retriever = seeded_library.as_llama_retriever(k=2)

    assert isinstance(retriever, HybridRetriever)
    assert len(retriever.retrieve("Nvidia chips")) == 2


def test_asking_does_not_import_llama_index(seeded_library: Library) -> None:
    # Its import costs 2-3 s: the ask path must never pay it.
    script = (
        "import sys\n"
        "from pathlib import Path\n"
        "from assistant.library import Library\n"
        "from assistant.settings import Settings\n"
        f"library = Library(Settings(_env_file=None, data_dir=Path({str(seeded_library.settings.data_dir)!r})))\n"
        "library.ask('Which chip was cleared for sale?')\n"
        "print(sorted({m.split('.')[0] for m in sys.modules if m.startswith('llama')}))\n"
    )

    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=240)

    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
