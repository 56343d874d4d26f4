"""The plan, balances, cycle and time zone now live on the workspace (workspaces' 0003 copied them there)."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0005_onboarding'),
        ('workspaces', '0003_plan_and_balances'),
        # Its data migrations read the person's balances; they run before those leave.
        ('credits', '0003_video_credits'),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name='user',
            name='user_credits_not_negative',
        ),
        migrations.RemoveConstraint(
            model_name='user',
            name='user_video_credits_not_negative',
        ),
        migrations.RemoveField(
            model_name='user',
            name='credit_cycle_anchor',
        ),
        migrations.RemoveField(
            model_name='user',
            name='credits',
        ),
        migrations.RemoveField(
            model_name='user',
            name='last_credit_reset',
        ),
        migrations.RemoveField(
            model_name='user',
            name='low_credits_alerted_cycle',
        ),
        migrations.RemoveField(
            model_name='user',
            name='low_video_credits_alerted_cycle',
        ),
        migrations.RemoveField(
            model_name='user',
            name='next_credit_reset',
        ),
        migrations.RemoveField(
            model_name='user',
            name='tier',
        ),
        migrations.RemoveField(
            model_name='user',
            name='tier_limits',
        ),
        migrations.RemoveField(
            model_name='user',
            name='time_zone',
        ),
        migrations.RemoveField(
            model_name='user',
            name='video_credits',
        ),
    ]
