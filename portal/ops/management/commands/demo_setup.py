"""`manage.py demo_setup [--standin-port-base 8101]`: demo people and, with stand-in demo sites
running, the sites registered and connected (portal.ops.demo; idempotent). Prints the logins."""

from django.core.management.base import BaseCommand

from portal.ops.demo import demo_prepare


class Command(BaseCommand):
    help = "Create the demo users and data (idempotent) and print the logins."

    def add_arguments(self, parser):
        parser.add_argument(
            "--standin-port-base",
            type=int,
            default=None,
            help="register and connect the stand-in demo sites listening from this port",
        )

    def handle(self, *args, standin_port_base, **options):
        for login in demo_prepare(standin_port_base=standin_port_base):
            self.stdout.write(login)
