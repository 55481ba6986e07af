"""The art. 22(3) DSA annual report: figures (build), small counts (suppression), the
no-personal-data check (privacy), formats (render), drafts and finalising (services), and the
open data of final years (open_data). docs/statistics.md explains each rule."""
