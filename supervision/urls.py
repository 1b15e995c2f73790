from django.urls import path

from supervision import views

app_name = "supervision"
urlpatterns = [
    path("", views.measures, name="measures"),
    path("measures/<int:pk>/edit/", views.measure_edit, name="measure_edit"),
    path("inspectors/", views.inspectors, name="inspectors"),
    path("inspectors/pools/add/", views.pool_add, name="pool_add"),
    path("inspectors/add/", views.inspector_add, name="inspector_add"),
    path("inspectors/<int:pk>/toggle/", views.inspector_toggle, name="inspector_toggle"),
    path("conflicts/add/", views.conflict_add, name="conflict_add"),
    path("conflicts/<int:pk>/lift/", views.conflict_deactivate, name="conflict_deactivate"),
    path("plans/", views.plan_list, name="plans"),
    path("plans/draw/", views.plan_draw, name="plan_draw"),
    path("plans/<int:pk>/", views.plan_detail, name="plan_detail"),
    path("plans/<int:pk>/verify/", views.plan_verify, name="plan_verify"),
    path("plans/<int:pk>/publish/", views.plan_publish, name="plan_publish"),
    path("plans/<int:pk>/export.xlsx", views.plan_export, name="plan_export"),
    path("plans/<int:pk>/public.xlsx", views.plan_export_public, name="plan_export_public"),
    path("items/<int:pk>/result/", views.item_result, name="item_result"),
]
