"""Every consultant of today gets a firm of their own, as its partner, and their clients
become its book. A client two or more consultants follow goes to the book of the one who
invited its manager (else the one who followed it first); the others keep following it,
and the migration prints them for an admin to settle (assign them in that firm, or hand
the client over)."""

from django.db import migrations


def firms_for_consultants(apps, schema_editor):
    Firm = apps.get_model("assessments", "Firm")
    FirmMember = apps.get_model("assessments", "FirmMember")
    Membership = apps.get_model("assessments", "Membership")
    Invitation = apps.get_model("assessments", "Invitation")
    User = apps.get_model(*_user_model_label().split("."))

    consultant_ids = (
        Membership.objects.filter(role="consultant")
        .values_list("user_id", flat=True)
        .distinct()
        .order_by("user_id")
    )
    firm_of = {}
    for user in User.objects.filter(pk__in=list(consultant_ids)).order_by("pk"):
        if FirmMember.objects.filter(user=user).exists():
            firm_of[user.pk] = FirmMember.objects.get(user=user).firm_id
            continue
        name = f"{user.first_name} {user.last_name}".strip() or user.username
        if Firm.objects.filter(name=name).exists():
            name = f"{name} ({user.username})"
        firm = Firm.objects.create(name=name)
        FirmMember.objects.create(firm=firm, user=user, role="partner")
        firm_of[user.pk] = firm.pk

    followed = {}
    for membership in Membership.objects.filter(role="consultant").order_by("pk"):
        followed.setdefault(membership.organisation_id, []).append(membership)
    to_settle = []
    for organisation_id, memberships in followed.items():
        users = [m.user_id for m in memberships]
        inviter = (
            Invitation.objects.filter(
                organisation_id=organisation_id, role="manager", invited_by_id__in=users
            )
            .order_by("sent_at", "pk")
            .values_list("invited_by_id", flat=True)
            .first()
        )
        owner = inviter or users[0]
        Membership.objects.filter(organisation_id=organisation_id, user_id=owner).update(
            is_lead=True
        )
        apps.get_model("assessments", "Organisation").objects.filter(pk=organisation_id).update(
            firm_id=firm_of[owner]
        )
        others = [u for u in users if firm_of[u] != firm_of[owner]]
        if others:
            to_settle.append((organisation_id, firm_of[owner], others))
    if to_settle:
        print("\nClients followed by consultants of other firms, for an admin to settle:")
        for organisation_id, firm_id, others in to_settle:
            organisation = apps.get_model("assessments", "Organisation").objects.get(
                pk=organisation_id
            )
            names = ", ".join(
                User.objects.filter(pk__in=others).order_by("pk").values_list("username", flat=True)
            )
            print(
                f"  {organisation.name} (id {organisation_id}) is in the book of "
                f"{Firm.objects.get(pk=firm_id).name}; also followed by: {names}"
            )


def _user_model_label() -> str:
    from django.conf import settings

    return settings.AUTH_USER_MODEL


class Migration(migrations.Migration):
    dependencies = [("assessments", "0016_firms")]

    operations = [migrations.RunPython(firms_for_consultants, migrations.RunPython.noop)]
