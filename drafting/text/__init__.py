"""Pure text algorithms: no database, no Flask, no request.

textdiff (the only diff-match-patch importer), rebase (carrying one side's edits onto
another's), numbering (labels from the tree), parsing (numbered text into a tree),
brackets (balance), replica (the browser editor's algorithm, in Python).
"""
