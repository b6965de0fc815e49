-- Demo tables keep PostgreSQL's default replica identity, as real sources do: a delete's old row holds the key only.
ALTER TABLE orders REPLICA IDENTITY DEFAULT;
