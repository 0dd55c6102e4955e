"""The text layer: tokens, sentences, dates and the structure of CRM documents.

Pure functions over strings, with exact character offsets into the text they are given.
It imports nothing from the rest of the project, so retrieval, summarizers and eval can
all share one definition of each text rule.
"""
