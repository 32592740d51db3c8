"""Exports of OCPDB data to other formats (DATEX II) and the Mobilithek push."""
