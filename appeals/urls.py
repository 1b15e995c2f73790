"""/my/ (enterprise self-service) and the staff's queues under /appeals/."""

from django.urls import path

from appeals import oidc, views

app_name = "appeals"

my_urlpatterns = [
    path("", views.my_home, name="my"),
    path("login/", views.MyLoginView.as_view(), name="login"),  # public
    path("register/", views.register, name="register"),  # public
    # sign-in through the province's identity service (404 unless HC_OIDC_ENABLED)
    path("oidc/start/", oidc.OIDCStartView.as_view(), name="oidc_start"),  # public
    path("oidc/callback/", oidc.OIDCCallbackView.as_view(), name="oidc_callback"),  # public
    path("notices/<int:pk>.pdf", views.my_notice, name="my_notice"),
    path("objections/new/<str:target>/<int:pk>/", views.my_objection_new,
         name="my_objection_new"),
    path("objections/<int:pk>/", views.my_objection, name="my_objection"),
    path("objections/<int:pk>/answer.pdf", views.my_objection_notice,
         name="my_objection_notice"),
    path("evidence/<int:pk>/", views.my_evidence, name="my_evidence"),
    path("repair/new/<str:target>/<int:pk>/", views.my_repair_new, name="my_repair_new"),
    path("commitment/", views.my_commitment, name="my_commitment"),
    path("commitment/<int:pk>.pdf", views.my_commitment_pdf, name="my_commitment_pdf"),
]

staff_urlpatterns = [
    path("", views.queue, name="queue"),
    path("objections/<int:pk>/", views.objection_answer, name="answer"),
    path("objections/<int:pk>/answer.pdf", views.staff_answer_notice, name="answer_notice"),
    path("evidence/<int:pk>/", views.staff_evidence, name="evidence"),
    path("accounts/<int:pk>/", views.account_decide, name="account"),
]

urlpatterns = [
    *(path(f"my/{p.pattern}", p.callback, name=p.name) for p in my_urlpatterns),
    *(path(f"appeals/{p.pattern}", p.callback, name=p.name) for p in staff_urlpatterns),
]
