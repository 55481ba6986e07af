from django.urls import path

from .views import banks, entries, items, lookup

app_name = "matching"
urlpatterns = [
    path("banks/", banks.bank_list, name="bank-list"),
    path("banks/<slug:slug>/", banks.bank_detail, name="bank-detail"),
    path("banks/<slug:slug>/enable", banks.bank_enable, name="bank-enable"),
    path("banks/<slug:slug>/share", banks.bank_share, name="bank-share"),
    path("banks/<slug:slug>/import", banks.bank_import, name="bank-import"),
    path("banks/<slug:slug>/export", banks.bank_export, name="bank-export"),
    path("banks/<slug:slug>/entries/<uuid:public_id>/", entries.entry_detail, name="entry-detail"),
    path(
        "banks/<slug:slug>/entries/<uuid:public_id>/remove",
        entries.entry_remove,
        name="entry-remove",
    ),
    path(
        "banks/<slug:slug>/entries/<uuid:public_id>/prefill",
        entries.entry_prefill,
        name="entry-prefill",
    ),
    path(
        "banks/<slug:slug>/entries/<uuid:public_id>/thumbnail",
        entries.entry_thumbnail,
        name="entry-thumbnail",
    ),
    path("match/", lookup.lookup, name="hash-lookup"),
    path("items/<uuid:item_id>/media", items.item_hash, name="item-hash"),
    path("items/<uuid:item_id>/add-to-bank", items.item_bank_add, name="item-bank-add"),
    path("matches/<uuid:match_id>/thumbnail", items.match_thumbnail, name="match-thumbnail"),
    path("matches/<uuid:match_id>/unblur", items.match_unblur, name="match-unblur"),
    path("matches/<uuid:match_id>/assess", items.match_assess, name="match-assess"),
    path("matches/<uuid:match_id>/move", items.match_move, name="match-move"),
    path("files/<uuid:file_id>/download", items.file_download, name="file-download"),
]
