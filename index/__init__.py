"""The write and read side of the store: loading, chunking, embedding, Chroma and retrieval."""
