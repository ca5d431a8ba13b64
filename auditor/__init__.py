"""auditor: how is a news article sourced, and is it a rewrite of another outlet's story?

The pipeline has one module per stage:
ingest -> segment -> label -> score -> provenance -> report.
`auditor.pipeline.audit_document` runs the stages on one document.
"""

__version__ = "0.1.0"
