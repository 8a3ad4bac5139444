"""Files: content digests, atomic writes, uploads and safe link fetching, hosting motion videos (static or S3)."""
