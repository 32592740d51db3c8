"""Places the generated samples are spread over: a source's real city or region, with streets and postcodes.

Coordinates are city centres; sites are scattered around them within a few kilometres. Street names
and postcodes are real ones of each city, so a demo map and its addresses look plausible.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class City:
    name: str
    lat: float
    lon: float
    postcodes: tuple[str, ...]
    streets: tuple[str, ...]
    radius_km: float = 3.0
    country: str = 'DEU'  # ISO 3166-1 alpha-3


STUTTGART = City(
    'Stuttgart',
    48.7758,
    9.1829,
    ('70173', '70174', '70176', '70178', '70182', '70184', '70190', '70191', '70192', '70197', '70372', '70469'),
    (
        'Königstraße',
        'Rotebühlplatz',
        'Tübinger Straße',
        'Hauptstätter Straße',
        'Olgastraße',
        'Neckarstraße',
        'Pragstraße',
        'Heilbronner Straße',
        'Böblinger Straße',
        'Schwabstraße',
        'Hohenheimer Straße',
        'Marienstraße',
        'Kriegsbergstraße',
        'Wilhelmsplatz',
        'Taubenheimstraße',
        'Löwentorstraße',
        'Affalterstraße',
        'Mercedesstraße',
    ),
    radius_km=5.0,
)
PFORZHEIM = City(
    'Pforzheim',
    48.8922,
    8.6946,
    ('75172', '75173', '75175', '75177', '75179', '75180', '75181'),
    (
        'Leopoldplatz',
        'Westliche Karl-Friedrich-Straße',
        'Östliche Karl-Friedrich-Straße',
        'Zerrennerstraße',
        'Bahnhofstraße',
        'Goethestraße',
        'Luisenstraße',
        'Enzstraße',
        'Habermehlstraße',
        'Hohenzollernstraße',
        'Kaiser-Friedrich-Straße',
        'Wildbader Straße',
    ),
)
TUEBINGEN = City(
    'Tübingen',
    48.5216,
    9.0576,
    ('72070', '72072', '72074', '72076'),
    (
        'Europaplatz',
        'Wilhelmstraße',
        'Mühlstraße',
        'Hechinger Straße',
        'Reutlinger Straße',
        'Nürtinger Straße',
        'Schaffhausenstraße',
        'Derendinger Straße',
        'Herrenberger Straße',
        'Stuttgarter Straße',
        'Eisenbahnstraße',
        'Hegelstraße',
    ),
)
LUDWIGSBURG = City(
    'Ludwigsburg',
    48.8975,
    9.1916,
    ('71634', '71636', '71638', '71640', '71642'),
    (
        'Brenzstraße',
        'Schorndorfer Straße',
        'Wilhelmstraße',
        'Myliusstraße',
        'Solitudestraße',
        'Friedrichstraße',
        'Marbacher Straße',
        'Stuttgarter Straße',
        'Bietigheimer Straße',
        'Arsenalplatz',
        'Hindenburgstraße',
        'Mörikestraße',
    ),
)
HERRENBERG = City(
    'Herrenberg',
    48.5952,
    8.8706,
    ('71083',),
    (
        'Marktplatz',
        'Tübinger Straße',
        'Hindenburgstraße',
        'Bahnhofstraße',
        'Horber Straße',
        'Stuttgarter Straße',
        'Seestraße',
        'Nagolder Straße',
        'Daimlerstraße',
        'Schießmauer',
    ),
    radius_km=2.5,
)
HEILBRONN = City(
    'Heilbronn',
    49.1427,
    9.2109,
    ('74072', '74074', '74076', '74078', '74080'),
    (
        'Paula-Fuchs-Allee',
        'Allee',
        'Kaiserstraße',
        'Weinsberger Straße',
        'Lohtorstraße',
        'Mannheimer Straße',
        'Bahnhofstraße',
        'Wollhausstraße',
    ),
    radius_km=2.0,
)
GEISLINGEN = City(
    'Geislingen an der Steige',
    48.6237,
    9.8303,
    ('73312',),
    ('Hauptstraße', 'Karlstraße', 'Bahnhofstraße', 'Stuttgarter Straße', 'Überkinger Straße', 'Schillerstraße'),
    radius_km=3.0,
)
GOEPPINGEN = City(
    'Göppingen',
    48.7035,
    9.6526,
    ('73033', '73035', '73037'),
    ('Marktstraße', 'Poststraße', 'Lorcher Straße', 'Heininger Straße', 'Stuttgarter Straße'),
)
ULM = City(
    'Ulm',
    48.4011,
    9.9876,
    ('89073', '89075', '89077', '89079'),
    ('Olgastraße', 'Neue Straße', 'Karlstraße', 'Frauenstraße', 'Wagnerstraße', 'Blaubeurer Straße'),
)
AACHEN = City(
    'Aachen',
    50.7753,
    6.0839,
    ('52062', '52064', '52066', '52068', '52070', '52072'),
    ('Theaterplatz', 'Lothringerstraße', 'Jülicher Straße', 'Trierer Straße', 'Roermonder Straße', 'Adalbertsteinweg'),
)
DUEREN = City(
    'Düren',
    50.8048,
    6.4928,
    ('52349', '52351', '52353', '52355'),
    ('Kölnstraße', 'Schützenstraße', 'Josef-Schregel-Straße', 'Aachener Straße', 'Bismarckstraße'),
)
MOENCHENGLADBACH = City(
    'Mönchengladbach',
    51.1805,
    6.4428,
    ('41061', '41063', '41065', '41236', '41238'),
    ('Bismarckstraße', 'Hindenburgstraße', 'Steinmetzstraße', 'Aachener Straße', 'Waldhausener Straße'),
)
BOCHUM = City(
    'Bochum',
    51.4818,
    7.2162,
    ('44787', '44789', '44791', '44793', '44795'),
    ('Christstraße', 'Kortumstraße', 'Viktoriastraße', 'Herner Straße', 'Wittener Straße', 'Castroper Straße'),
)
DORTMUND = City(
    'Dortmund',
    51.5136,
    7.4653,
    ('44135', '44137', '44139', '44141', '44145', '44147'),
    ('Kampstraße', 'Hansastraße', 'Ruhrallee', 'Rheinlanddamm', 'Märkische Straße', 'Schützenstraße'),
)
ESSEN = City(
    'Essen',
    51.4556,
    7.0116,
    ('45127', '45128', '45130', '45131', '45138', '45141'),
    ('Rüttenscheider Straße', 'Kettwiger Straße', 'Altendorfer Straße', 'Huyssenallee', 'Steeler Straße'),
)
KOELN = City(
    'Köln',
    50.9375,
    6.9603,
    ('50667', '50668', '50670', '50672', '50674', '50677', '50823'),
    ('Domkloster', 'Hohe Straße', 'Aachener Straße', 'Venloer Straße', 'Zülpicher Straße', 'Neusser Straße'),
    radius_km=5.0,
)
HAMBURG = City(
    'Hamburg',
    53.5511,
    9.9937,
    ('20095', '20099', '20144', '20249', '20359', '22041', '22083', '22765'),
    ('Zirkusweg', 'Mönckebergstraße', 'Grindelallee', 'Eppendorfer Baum', 'Hamburger Straße', 'Max-Brauer-Allee'),
    radius_km=6.0,
)
BERLIN = City(
    'Berlin',
    52.5200,
    13.4050,
    ('10115', '10117', '10178', '10243', '10437', '10557', '10785', '12043'),
    ('Invalidenstraße', 'Friedrichstraße', 'Karl-Marx-Allee', 'Schönhauser Allee', 'Potsdamer Straße', 'Sonnenallee'),
    radius_km=7.0,
)
KARLSRUHE = City(
    'Karlsruhe',
    49.0069,
    8.4037,
    ('76131', '76133', '76135', '76137', '76139'),
    ('Kaiserstraße', 'Karlstraße', 'Durlacher Allee', 'Ettlinger Straße', 'Kriegsstraße', 'Rintheimer Straße'),
    radius_km=4.0,
)
FREIBURG = City(
    'Freiburg im Breisgau',
    47.9990,
    7.8421,
    ('79098', '79102', '79104', '79106', '79108', '79110'),
    ('Kaiser-Joseph-Straße', 'Bertoldstraße', 'Habsburgerstraße', 'Basler Straße', 'Merzhauser Straße'),
)
HEIDELBERG = City(
    'Heidelberg',
    49.3988,
    8.6724,
    ('69115', '69117', '69120', '69121', '69123', '69126'),
    ('Hauptstraße', 'Bergheimer Straße', 'Kurfürsten-Anlage', 'Rohrbacher Straße', 'Speyerer Straße'),
)
MANNHEIM = City(
    'Mannheim',
    49.4875,
    8.4660,
    ('68159', '68161', '68163', '68165', '68167', '68199'),
    ('Planken', 'Kaiserring', 'Augustaanlage', 'Seckenheimer Straße', 'Neckarauer Straße', 'Waldhofstraße'),
    radius_km=4.0,
)
KONSTANZ = City(
    'Konstanz',
    47.6603,
    9.1758,
    ('78462', '78464', '78465', '78467'),
    ('Marktstätte', 'Bodanstraße', 'Reichenaustraße', 'Mainaustraße', 'Zähringerplatz'),
)
MUENCHEN = City(
    'München',
    48.1374,
    11.5755,
    ('80331', '80335', '80339', '80469', '80636', '80801', '81241', '81369'),
    ('Leopoldstraße', 'Landsberger Straße', 'Rosenheimer Straße', 'Dachauer Straße', 'Lindwurmstraße'),
    radius_km=7.0,
)
FRANKFURT = City(
    'Frankfurt am Main',
    50.1109,
    8.6821,
    ('60311', '60313', '60314', '60316', '60322', '60486', '60528'),
    ('Zeil', 'Hanauer Landstraße', 'Mainzer Landstraße', 'Eschersheimer Landstraße', 'Darmstädter Landstraße'),
    radius_km=5.0,
)
LEIPZIG = City(
    'Leipzig',
    51.3397,
    12.3731,
    ('04103', '04105', '04107', '04109', '04229', '04315'),
    ('Karl-Liebknecht-Straße', 'Jahnallee', 'Prager Straße', 'Eisenbahnstraße', 'Georg-Schumann-Straße'),
)
HANNOVER = City(
    'Hannover',
    52.3759,
    9.7320,
    ('30159', '30161', '30163', '30169', '30173', '30177'),
    ('Hildesheimer Straße', 'Podbielskistraße', 'Vahrenwalder Straße', 'Limmerstraße', 'Marienstraße'),
)
NUERNBERG = City(
    'Nürnberg',
    49.4521,
    11.0767,
    ('90402', '90403', '90408', '90419', '90429', '90459'),
    ('Königstraße', 'Fürther Straße', 'Bayreuther Straße', 'Allersberger Straße', 'Äußere Sulzbacher Straße'),
)
DRESDEN = City(
    'Dresden',
    51.0504,
    13.7373,
    ('01067', '01069', '01097', '01099', '01277', '01309'),
    ('Prager Straße', 'Königsbrücker Straße', 'Bautzner Straße', 'Budapester Straße', 'Schandauer Straße'),
)

# Swiss cities for opendata_swiss (postcodes are Swiss PLZ, country CHE)
ZUERICH = City(
    'Zürich',
    47.3769,
    8.5417,
    ('8001', '8002', '8004', '8005', '8008', '8032', '8050'),
    ('Bahnhofstrasse', 'Seefeldstrasse', 'Hardturmstrasse', 'Badenerstrasse', 'Schaffhauserstrasse'),
    radius_km=4.0,
    country='CHE',
)
BERN = City(
    'Bern',
    46.9480,
    7.4474,
    ('3005', '3007', '3008', '3011', '3014'),
    ('Laupenstrasse', 'Effingerstrasse', 'Papiermühlestrasse', 'Schwarztorstrasse', 'Seftigenstrasse'),
    country='CHE',
)
BASEL = City(
    'Basel',
    47.5596,
    7.5886,
    ('4051', '4052', '4053', '4056', '4057'),
    ('Centralbahnplatz', 'Clarastrasse', 'St. Jakobs-Strasse', 'Elsässerstrasse', 'Güterstrasse'),
    country='CHE',
)
LUZERN = City(
    'Luzern',
    47.0502,
    8.3093,
    ('6002', '6003', '6004', '6005', '6006'),
    ('Pilatusstrasse', 'Haldenstrasse', 'Tribschenstrasse', 'Baselstrasse', 'Maihofstrasse'),
    country='CHE',
)
LAUSANNE = City(
    'Lausanne',
    46.5197,
    6.6323,
    ('1003', '1004', '1005', '1006', '1007'),
    ('Avenue de la Gare', 'Rue de Genève', "Avenue d'Ouchy", 'Chemin de Bellerive', 'Avenue de Morges'),
    country='CHE',
)
ST_GALLEN = City(
    'St. Gallen',
    47.4245,
    9.3767,
    ('9000', '9008', '9010', '9014'),
    ('Rosenbergstrasse', 'Zürcher Strasse', 'Rorschacher Strasse', 'Teufener Strasse'),
    country='CHE',
)
CHUR = City(
    'Chur',
    46.8499,
    9.5329,
    ('7000',),
    ('Bahnhofstrasse', 'Grabenstrasse', 'Kasernenstrasse', 'Ringstrasse'),
    country='CHE',
)

BADEN_WUERTTEMBERG = (STUTTGART, KARLSRUHE, FREIBURG, HEIDELBERG, MANNHEIM, ULM, KONSTANZ, TUEBINGEN, PFORZHEIM)
GERMANY = (BERLIN, HAMBURG, MUENCHEN, KOELN, FRANKFURT, STUTTGART, LEIPZIG, HANNOVER, NUERNBERG, DRESDEN)
RUHR_AND_RHINELAND = (BOCHUM, DORTMUND, ESSEN, KOELN)
LADENETZ = (AACHEN, DUEREN, MOENCHENGLADBACH)
ALB_DONAU = (GEISLINGEN, GOEPPINGEN, ULM)
SWITZERLAND = (ZUERICH, BERN, BASEL, LUZERN, LAUSANNE, ST_GALLEN, CHUR)
