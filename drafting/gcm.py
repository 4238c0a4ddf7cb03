"""The 23 objectives of the Global Compact for Safe, Orderly and Regular Migration
(General Assembly resolution 73/195, annex, paragraph 16), in English and Spanish."""

from __future__ import annotations

SCHEME = "gcm"

# (code, English title, Spanish title)
OBJECTIVES: list[tuple[str, str, str]] = [
    ("1", "Collect and utilize accurate and disaggregated data as a basis for evidence-based "
     "policies",
     "Recopilar y utilizar datos exactos y desglosados para formular políticas con base "
     "empírica"),
    ("2", "Minimize the adverse drivers and structural factors that compel people to leave "
     "their country of origin",
     "Minimizar los factores adversos y estructurales que obligan a las personas a abandonar "
     "su país de origen"),
    ("3", "Provide accurate and timely information at all stages of migration",
     "Proporcionar información exacta y oportuna en todas las etapas de la migración"),
    ("4", "Ensure that all migrants have proof of legal identity and adequate documentation",
     "Velar por que todos los migrantes tengan pruebas de su identidad jurídica y "
     "documentación adecuada"),
    ("5", "Enhance availability and flexibility of pathways for regular migration",
     "Aumentar la disponibilidad y flexibilidad de las vías de migración regular"),
    ("6", "Facilitate fair and ethical recruitment and safeguard conditions that ensure decent "
     "work",
     "Facilitar la contratación equitativa y ética y salvaguardar las condiciones que "
     "garantizan el trabajo decente"),
    ("7", "Address and reduce vulnerabilities in migration",
     "Abordar y reducir las vulnerabilidades en la migración"),
    ("8", "Save lives and establish coordinated international efforts on missing migrants",
     "Salvar vidas y emprender iniciativas internacionales coordinadas sobre los migrantes "
     "desaparecidos"),
    ("9", "Strengthen the transnational response to smuggling of migrants",
     "Reforzar la respuesta transnacional al tráfico ilícito de migrantes"),
    ("10", "Prevent, combat and eradicate trafficking in persons in the context of "
     "international migration",
     "Prevenir, combatir y erradicar la trata de personas en el contexto de la migración "
     "internacional"),
    ("11", "Manage borders in an integrated, secure and coordinated manner",
     "Gestionar las fronteras de manera integrada, segura y coordinada"),
    ("12", "Strengthen certainty and predictability in migration procedures for appropriate "
     "screening, assessment and referral",
     "Aumentar la certidumbre y previsibilidad de los procedimientos migratorios para la "
     "adecuada verificación de antecedentes, evaluación y derivación"),
    ("13", "Use migration detention only as a measure of last resort and work towards "
     "alternatives",
     "Utilizar la detención de migrantes solo como último recurso y buscar otras alternativas"),
    ("14", "Enhance consular protection, assistance and cooperation throughout the migration "
     "cycle",
     "Mejorar la protección, asistencia y cooperación consulares a lo largo de todo el ciclo "
     "migratorio"),
    ("15", "Provide access to basic services for migrants",
     "Proporcionar a los migrantes acceso a servicios básicos"),
    ("16", "Empower migrants and societies to realize full inclusion and social cohesion",
     "Empoderar a los migrantes y las sociedades para lograr la plena inclusión y la cohesión "
     "social"),
    ("17", "Eliminate all forms of discrimination and promote evidence-based public discourse "
     "to shape perceptions of migration",
     "Eliminar todas las formas de discriminación y promover un discurso público con base "
     "empírica para modificar las percepciones de la migración"),
    ("18", "Invest in skills development and facilitate mutual recognition of skills, "
     "qualifications and competences",
     "Invertir en el desarrollo de aptitudes y facilitar el reconocimiento mutuo de aptitudes, "
     "cualificaciones y competencias"),
    ("19", "Create conditions for migrants and diasporas to fully contribute to sustainable "
     "development in all countries",
     "Crear las condiciones necesarias para que los migrantes y las diásporas puedan "
     "contribuir plenamente al desarrollo sostenible en todos los países"),
    ("20", "Promote faster, safer and cheaper transfer of remittances and foster financial "
     "inclusion of migrants",
     "Promover transferencias de remesas más rápidas, seguras y económicas y fomentar la "
     "inclusión financiera de los migrantes"),
    ("21", "Cooperate in facilitating safe and dignified return and readmission, as well as "
     "sustainable reintegration",
     "Colaborar para facilitar el regreso y la readmisión en condiciones de seguridad y "
     "dignidad, así como la reintegración sostenible"),
    ("22", "Establish mechanisms for the portability of social security entitlements and "
     "earned benefits",
     "Establecer mecanismos para la portabilidad de la seguridad social y las prestaciones "
     "adquiridas"),
    ("23", "Strengthen international cooperation and global partnerships for safe, orderly and "
     "regular migration",
     "Fortalecer la cooperación internacional y las alianzas mundiales para la migración "
     "segura, ordenada y regular"),
]  # fmt: skip
