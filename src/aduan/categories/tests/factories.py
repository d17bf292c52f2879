import factory

from aduan.categories.models import Category


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category

    code = factory.Sequence(lambda n: f"topic-{n}")
    name_id = factory.Sequence(lambda n: f"Topik {n}")
    name_en = factory.Sequence(lambda n: f"Topic {n}")
