"""A rule set to review first now proposes its posts for approval (the label says so; the value is the same)."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('automation', '0004_owned_by_workspace'),
    ]

    operations = [
        migrations.AlterField(
            model_name='automationrule',
            name='review',
            field=models.CharField(choices=[('none', 'Schedule them straight away'), ('review_first', 'Wait for an approver (credits held meanwhile)')], default='none', max_length=16),
        ),
    ]
