"""The words and tables of the book's chapters, computed from results.

One module per chapter family. A chapter calls these functions instead of carrying the code
that picks the words of its sentences (which comparison held, at what level, with which
caveat); each function is tested here, against the numbers it reads.
"""
