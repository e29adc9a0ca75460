#!/usr/bin/env python3
"""Writes data/demo-catalogue.json: the demonstration catalogue `guichet demo-data` loads.

22 administrations, 151 services (24 for citizens, 127 for businesses) in four languages, 30
citizen shops in three time zones (Lisbon, the Azores, Paris) and the gazetteer of their towns.
Run it again after editing:
    python3 scripts/generate-demo-catalogue.py > data/demo-catalogue.json
"""
import json
import sys

LANGS = ("fr", "pt", "vi", "en")

ADMINISTRATIONS = [
    ("at", "Autorité fiscale et douanière", "Autoridade Tributária e Aduaneira", "Cơ quan Thuế và Hải quan", "Tax and Customs Authority"),
    ("seguranca-social", "Institut de la sécurité sociale", "Instituto da Segurança Social", "Viện An sinh Xã hội", "Social Security Institute"),
    ("irn", "Institut des registres et du notariat", "Instituto dos Registos e do Notariado", "Viện Đăng ký và Công chứng", "Registries and Notary Institute"),
    ("imt", "Institut de la mobilité et des transports", "Instituto da Mobilidade e dos Transportes", "Viện Giao thông và Vận tải", "Mobility and Transport Institute"),
    ("aima", "Agence pour l'intégration, les migrations et l'asile", "Agência para a Integração, Migrações e Asilo", "Cơ quan Hội nhập, Di cư và Tị nạn", "Integration, Migration and Asylum Agency"),
    ("sns", "Service national de santé", "Serviço Nacional de Saúde", "Dịch vụ Y tế Quốc gia", "National Health Service"),
    ("iefp", "Institut de l'emploi et de la formation professionnelle", "Instituto do Emprego e Formação Profissional", "Viện Việc làm và Đào tạo nghề", "Employment and Vocational Training Institute"),
    ("act", "Autorité des conditions de travail", "Autoridade para as Condições do Trabalho", "Cơ quan Điều kiện Lao động", "Working Conditions Authority"),
    ("iapmei", "Agence pour la compétitivité et l'innovation", "IAPMEI – Agência para a Competitividade e Inovação", "Cơ quan Năng lực cạnh tranh và Đổi mới", "Competitiveness and Innovation Agency"),
    ("inpi", "Institut national de la propriété industrielle", "Instituto Nacional da Propriedade Industrial", "Viện Sở hữu Công nghiệp Quốc gia", "National Industrial Property Institute"),
    ("asae", "Autorité de sécurité alimentaire et économique", "Autoridade de Segurança Alimentar e Económica", "Cơ quan An toàn Thực phẩm và Kinh tế", "Food and Economic Safety Authority"),
    ("apa", "Agence portugaise de l'environnement", "Agência Portuguesa do Ambiente", "Cơ quan Môi trường Bồ Đào Nha", "Portuguese Environment Agency"),
    ("dgae", "Direction générale des activités économiques", "Direção-Geral das Atividades Económicas", "Tổng cục Hoạt động Kinh tế", "Directorate-General for Economic Activities"),
    ("ine", "Institut national de la statistique", "Instituto Nacional de Estatística", "Viện Thống kê Quốc gia", "National Statistics Institute"),
    ("banco-portugal", "Banque du Portugal", "Banco de Portugal", "Ngân hàng Bồ Đào Nha", "Bank of Portugal"),
    ("adse", "Protection sociale des agents publics", "ADSE – Proteção Social dos Trabalhadores em Funções Públicas", "Bảo trợ xã hội công chức", "Civil Servants' Health Scheme"),
    ("cga", "Caisse générale des retraites", "Caixa Geral de Aposentações", "Quỹ Hưu trí Chung", "General Retirement Fund"),
    ("erse", "Régulateur des services énergétiques", "Entidade Reguladora dos Serviços Energéticos", "Cơ quan Điều tiết Năng lượng", "Energy Services Regulator"),
    ("anacom", "Autorité nationale des communications", "ANACOM – Autoridade Nacional de Comunicações", "Cơ quan Truyền thông Quốc gia", "National Communications Authority"),
    ("dgert", "Direction générale de l'emploi et des relations de travail", "Direção-Geral do Emprego e das Relações de Trabalho", "Tổng cục Việc làm và Quan hệ Lao động", "Directorate-General for Employment and Labour Relations"),
    ("turismo", "Tourisme du Portugal", "Turismo de Portugal", "Du lịch Bồ Đào Nha", "Tourism of Portugal"),
    ("municipio", "Mairie", "Câmara Municipal", "Ủy ban nhân dân thành phố", "Town hall"),
]

# (code, administration, channels, minutes, fee in cents, fr, pt, vi, en, documents en/fr/pt/vi)
CITIZEN_SERVICES = [
    ("citizen-card-renewal", "irn", ["in_person"], 20, 1800, "Renouvellement de la carte d'identité", "Renovação do Cartão de Cidadão", "Gia hạn căn cước công dân", "Citizen card renewal"),
    ("passport", "irn", ["in_person"], 20, 6500, "Demande de passeport", "Pedido de passaporte", "Cấp hộ chiếu", "Passport application"),
    ("birth-certificate", "irn", ["in_person", "online"], 10, 2000, "Acte de naissance", "Certidão de nascimento", "Trích lục khai sinh", "Birth certificate"),
    ("marriage-registration", "irn", ["in_person"], 45, 12000, "Enregistrement d'un mariage", "Registo de casamento", "Đăng ký kết hôn", "Marriage registration"),
    ("criminal-record", "irn", ["in_person", "online"], 10, 500, "Extrait de casier judiciaire", "Certificado de registo criminal", "Phiếu lý lịch tư pháp", "Criminal record certificate"),
    ("driving-licence-renewal", "imt", ["in_person", "online"], 15, 3000, "Renouvellement du permis de conduire", "Revalidação da carta de condução", "Gia hạn giấy phép lái xe", "Driving licence renewal"),
    ("driving-licence-exchange", "imt", ["in_person"], 20, 3000, "Échange d'un permis de conduire étranger", "Troca de carta de condução estrangeira", "Đổi giấy phép lái xe nước ngoài", "Foreign driving licence exchange"),
    ("vehicle-registration", "imt", ["in_person", "online"], 20, 6500, "Certificat d'immatriculation d'un véhicule", "Certificado de matrícula de veículo", "Giấy đăng ký xe", "Vehicle registration certificate"),
    ("tax-number", "at", ["in_person", "video"], 15, 0, "Numéro fiscal", "Número de identificação fiscal", "Mã số thuế cá nhân", "Tax identification number"),
    ("income-tax-help", "at", ["in_person", "video", "phone"], 30, 0, "Aide à la déclaration de revenus", "Apoio à declaração de IRS", "Hỗ trợ kê khai thuế thu nhập", "Help with the income tax return"),
    ("address-change", "irn", ["in_person", "online"], 10, 0, "Changement d'adresse", "Alteração de morada", "Thay đổi địa chỉ", "Change of address"),
    ("social-security-number", "seguranca-social", ["in_person", "video"], 20, 0, "Numéro de sécurité sociale", "Número de identificação da Segurança Social", "Mã số an sinh xã hội", "Social security number"),
    ("family-allowance", "seguranca-social", ["in_person", "online", "phone"], 30, 0, "Allocations familiales", "Abono de família", "Trợ cấp gia đình", "Family allowance"),
    ("unemployment-benefit", "seguranca-social", ["in_person", "video"], 30, 0, "Allocation chômage", "Subsídio de desemprego", "Trợ cấp thất nghiệp", "Unemployment benefit"),
    ("old-age-pension", "cga", ["in_person", "video", "phone"], 40, 0, "Demande de pension de retraite", "Pedido de pensão de velhice", "Đề nghị hưởng lương hưu", "Old-age pension request"),
    ("european-health-card", "seguranca-social", ["in_person", "online"], 10, 0, "Carte européenne d'assurance maladie", "Cartão Europeu de Seguro de Doença", "Thẻ bảo hiểm y tế châu Âu", "European health insurance card"),
    ("residence-permit-renewal", "aima", ["in_person"], 30, 8500, "Renouvellement du titre de séjour", "Renovação de autorização de residência", "Gia hạn thẻ cư trú", "Residence permit renewal"),
    ("family-doctor", "sns", ["in_person", "phone"], 15, 0, "Inscription auprès d'un médecin de famille", "Inscrição no médico de família", "Đăng ký bác sĩ gia đình", "Registration with a family doctor"),
    ("job-seeker", "iefp", ["in_person", "video", "online"], 30, 0, "Inscription comme demandeur d'emploi", "Inscrição para emprego", "Đăng ký tìm việc", "Job seeker registration"),
    ("vocational-training", "iefp", ["in_person", "video"], 30, 0, "Inscription à une formation professionnelle", "Inscrição em formação profissional", "Đăng ký học nghề", "Vocational training enrolment"),
    ("adse-enrolment", "adse", ["in_person", "online"], 15, 0, "Affiliation à l'ADSE", "Inscrição na ADSE", "Đăng ký ADSE", "ADSE enrolment"),
    ("property-certificate", "irn", ["in_person", "online"], 15, 2000, "Certificat de propriété immobilière", "Certidão predial", "Giấy chứng nhận bất động sản", "Property registration certificate"),
    ("resident-parking", "municipio", ["in_person", "online"], 15, 1200, "Carte de stationnement résident", "Dístico de estacionamento de residente", "Thẻ đỗ xe cư dân", "Resident parking permit"),
]

# Business services: a template applied to each administration's subject.
TEMPLATES = [
    ("registration", "Enregistrement : {fr}", "Registo: {pt}", "Đăng ký: {vi}", "Registration: {en}", ["in_person", "online"], 30),
    ("amendment", "Modification : {fr}", "Alteração: {pt}", "Thay đổi: {vi}", "Amendment: {en}", ["in_person", "online"], 20),
    ("certificate", "Attestation : {fr}", "Certidão: {pt}", "Giấy chứng nhận: {vi}", "Certificate: {en}", ["in_person", "online"], 10),
    ("licence", "Licence : {fr}", "Licença: {pt}", "Giấy phép: {vi}", "Licence: {en}", ["in_person"], 40),
    ("declaration", "Déclaration : {fr}", "Declaração: {pt}", "Khai báo: {vi}", "Declaration: {en}", ["online", "in_person"], 20),
    ("cancellation", "Radiation : {fr}", "Cancelamento: {pt}", "Hủy bỏ: {vi}", "Cancellation: {en}", ["in_person", "online"], 15),
    ("advice", "Conseil aux entreprises : {fr}", "Apoio às empresas: {pt}", "Tư vấn doanh nghiệp: {vi}", "Business advice: {en}", ["in_person", "video", "phone"], 45),
]

SUBJECTS = {
    "at": ("activité assujettie à la TVA", "atividade sujeita a IVA", "hoạt động chịu thuế GTGT", "VAT-liable activity"),
    "seguranca-social": ("employeur auprès de la sécurité sociale", "entidade empregadora na Segurança Social", "người sử dụng lao động tại cơ quan an sinh", "employer with social security"),
    "irn": ("société commerciale", "sociedade comercial", "công ty thương mại", "commercial company"),
    "imt": ("transport de marchandises", "transporte de mercadorias", "vận tải hàng hóa", "goods transport"),
    "aima": ("travailleur étranger détaché", "trabalhador estrangeiro destacado", "lao động nước ngoài biệt phái", "posted foreign worker"),
    "iefp": ("aide à l'embauche", "apoio à contratação", "hỗ trợ tuyển dụng", "hiring support"),
    "act": ("horaires de travail", "horário de trabalho", "giờ làm việc", "working hours"),
    "iapmei": ("statut de PME", "estatuto de PME", "tư cách doanh nghiệp nhỏ và vừa", "SME status"),
    "inpi": ("marque", "marca", "nhãn hiệu", "trademark"),
    "asae": ("établissement de restauration", "estabelecimento de restauração", "cơ sở ăn uống", "restaurant establishment"),
    "apa": ("rejet d'eaux usées", "descarga de águas residuais", "xả nước thải", "waste-water discharge"),
    "dgae": ("commerce de détail", "comércio a retalho", "bán lẻ", "retail trade"),
    "ine": ("enquête statistique d'entreprise", "inquérito estatístico às empresas", "điều tra thống kê doanh nghiệp", "business statistical survey"),
    "banco-portugal": ("établissement de paiement", "instituição de pagamento", "tổ chức thanh toán", "payment institution"),
    "erse": ("fournisseur d'énergie", "comercializador de energia", "nhà cung cấp năng lượng", "energy supplier"),
    "anacom": ("réseau de communications", "rede de comunicações", "mạng viễn thông", "communications network"),
    "turismo": ("hébergement touristique", "alojamento local", "cơ sở lưu trú du lịch", "tourist accommodation"),
    "municipio": ("enseigne et occupation de la voie publique", "publicidade e ocupação da via pública", "biển hiệu và sử dụng lòng đường", "signage and use of the street"),
}

EXTRA_BUSINESS = ("company-on-the-spot", "irn", ["in_person"], 60, 36000, "Entreprise en un jour", "Empresa na Hora", "Thành lập doanh nghiệp trong ngày", "Company on the spot")

DESCRIPTIONS = {
    "fr": "{name}. Démarche auprès de : {admin}. Prenez rendez-vous dans un espace citoyen ou, si proposé, en visioconférence.",
    "pt": "{name}. Serviço prestado por: {admin}. Marque atendimento numa Loja do Cidadão ou, quando disponível, por videochamada.",
    "vi": "{name}. Cơ quan thực hiện: {admin}. Hãy đặt lịch tại trung tâm phục vụ hoặc, nếu có, qua cuộc gọi video.",
    "en": "{name}. Provided by: {admin}. Book at a citizen shop or, where offered, by video call.",
}
DOCUMENTS = {
    "citizens": {"fr": ["Pièce d'identité", "Numéro fiscal"], "pt": ["Documento de identificação", "Número de contribuinte"],
                 "vi": ["Giấy tờ tùy thân", "Mã số thuế"], "en": ["Identity document", "Tax number"]},
    "businesses": {"fr": ["Code d'accès au registre du commerce", "Pièce d'identité du représentant"],
                   "pt": ["Código de acesso à certidão permanente", "Documento de identificação do representante"],
                   "vi": ["Mã truy cập đăng ký kinh doanh", "Giấy tờ tùy thân của người đại diện"],
                   "en": ["Business register access code", "Representative's identity document"]},
}


STUDENT_HOUSING_AID = {
    "code": "student-housing-aid", "administration": "seguranca-social", "audience": "citizens",
    "channels": ["online"], "duration_minutes": 20, "fee_cents": 0, "legal_basis": "",
    "texts": {
        "fr": {"name": "Aide au logement étudiant",
               "description": "Aide au logement pour les étudiants qui louent un logement pendant leurs études. Démarche auprès de : Institut de la sécurité sociale. Entièrement en ligne.",
               "documents": ["Certificat de scolarité", "Avis d'imposition", "Bail ou quittance de loyer"]},
        "pt": {"name": "Complemento de alojamento para estudantes",
               "description": "Apoio ao alojamento para estudantes que arrendam casa durante os estudos. Serviço prestado por: Instituto da Segurança Social. Totalmente online.",
               "documents": ["Certificado de matrícula", "Nota de liquidação do IRS", "Contrato de arrendamento ou recibo de renda"]},
        "vi": {"name": "Hỗ trợ nhà ở cho sinh viên",
               "description": "Hỗ trợ tiền thuê nhà cho sinh viên thuê nhà trong thời gian học. Cơ quan thực hiện: Viện An sinh Xã hội. Hoàn toàn trực tuyến.",
               "documents": ["Giấy xác nhận sinh viên", "Thông báo thuế", "Hợp đồng thuê nhà hoặc biên lai tiền thuê"]},
        "en": {"name": "Student housing aid",
               "description": "Help with the rent for students who rent a home while they study. Provided by: Social Security Institute. Fully online.",
               "documents": ["Student certificate", "Tax notice", "Lease or rent receipt"]},
    },
}

# The gazetteer (docs/CATALOGUE.md, "Places"): the shops' towns and their neighbours, with the
# postcode ranges they cover and their centres, so /shops finds the nearest shops by postcode or town.
PLACES = [
    ("PT", "Lisboa", ["1000-1999"], 38.7223, -9.1393),
    ("PT", "Amadora", ["2610-2615", "2650-2659", "2700-2724"], 38.7538, -9.2308),
    ("PT", "Odivelas", ["2620-2621", "2675-2679"], 38.7929, -9.1838),
    ("PT", "Loures", ["2660-2674", "2680-2699"], 38.8309, -9.1684),
    ("PT", "Sintra", ["2705-2714", "2725-2749"], 38.8029, -9.3817),
    ("PT", "Cascais", ["2645-2649", "2750-2769"], 38.6979, -9.4215),
    ("PT", "Oeiras", ["2730-2734", "2740-2745", "2770-2799"], 38.6913, -9.3110),
    ("PT", "Almada", ["2800-2829"], 38.6790, -9.1569),
    ("PT", "Seixal", ["2840-2869"], 38.6400, -9.1000),
    ("PT", "Setúbal", ["2900-2914"], 38.5244, -8.8882),
    ("PT", "Santarém", ["2000-2029"], 39.2362, -8.6868),
    ("PT", "Leiria", ["2400-2419"], 39.7436, -8.8071),
    ("PT", "Coimbra", ["3000-3049"], 40.2033, -8.4103),
    ("PT", "Viseu", ["3500-3519"], 40.6566, -7.9125),
    ("PT", "Aveiro", ["3800-3814"], 40.6405, -8.6538),
    ("PT", "Porto", ["4000-4369"], 41.1579, -8.6291),
    ("PT", "Vila Nova de Gaia", ["4400-4439"], 41.1239, -8.6118),
    ("PT", "Matosinhos", ["4450-4469"], 41.1844, -8.6963),
    ("PT", "Maia", ["4470-4479"], 41.2357, -8.6199),
    ("PT", "Braga", ["4700-4719"], 41.5454, -8.4265),
    ("PT", "Guimarães", ["4800-4839"], 41.4425, -8.2918),
    ("PT", "Viana do Castelo", ["4900-4939"], 41.6932, -8.8329),
    ("PT", "Castelo Branco", ["6000-6009"], 39.8222, -7.4909),
    ("PT", "Évora", ["7000-7009"], 38.5714, -7.9135),
    ("PT", "Faro", ["8000-8009"], 37.0194, -7.9322),
    ("PT", "Funchal", ["9000-9064"], 32.6669, -16.9241),
    ("PT", "Ponta Delgada", ["9500-9504", "9545-9545"], 37.7412, -25.6756),
    ("PT", "Ribeira Grande", ["9600-9629"], 37.8214, -25.5214),
    ("PT", "Angra do Heroísmo", ["9700-9709"], 38.6553, -27.2196),
    ("PT", "Praia da Vitória", ["9760-9769"], 38.7333, -27.0667),
    ("PT", "Horta", ["9900-9904"], 38.5333, -28.6333),
    ("FR", "Paris", ["75001-75020", "75116"], 48.8566, 2.3522),
    ("FR", "Boulogne-Billancourt", ["92100"], 48.8397, 2.2399),
    ("FR", "Saint-Denis", ["93200"], 48.9362, 2.3574),
    ("FR", "Versailles", ["78000"], 48.8049, 2.1204),
    ("FR", "Lyon", ["69001-69009"], 45.7640, 4.8357),
    ("FR", "Villeurbanne", ["69100"], 45.7719, 4.8902),
    ("FR", "Marseille", ["13001-13016"], 43.2965, 5.3698),
    ("FR", "Aix-en-Provence", ["13080-13100", "13290"], 43.5297, 5.4474),
    ("FR", "Toulouse", ["31000", "31100", "31200", "31300", "31400", "31500"], 43.6047, 1.4442),
    ("FR", "Lille", ["59000", "59160", "59260", "59777", "59800"], 50.6292, 3.0573),
    ("FR", "Roubaix", ["59100"], 50.6942, 3.1746),
]


# What people type that the names do not say: abbreviations and everyday words, any language
# (docs/CATALOGUE.md, "keywords"). Each is found from every page language.
KEYWORDS = {
    "citizen-card-renewal": ["CC", "cartão de cidadão", "CNI", "carte d'identité", "identity card", "ID card", "BI"],
    "passport": ["PEP", "passaporte eletrónico", "hộ chiếu"],
    "driving-licence-renewal": ["carta de condução", "permis", "driver license", "driver's license", "IMT",
                                "bằng lái xe"],
    "driving-licence-exchange": ["carta de condução estrangeira", "permis étranger", "driver license"],
    "tax-number": ["NIF", "número de contribuinte", "numéro fiscal", "TIN", "mã số thuế"],
    "income-tax-help": ["IRS", "impôts", "impôt sur le revenu", "tax return", "declaração de IRS", "thuế thu nhập"],
    "social-security-number": ["NISS", "sécurité sociale", "bảo hiểm xã hội"],
    "family-allowance": ["abono de família", "CAF", "child benefit"],
    "unemployment-benefit": ["subsídio de desemprego", "chômage", "Pôle emploi", "thất nghiệp"],
    "european-health-card": ["CESD", "cartão europeu de seguro de doença", "CEAM", "EHIC"],
    "residence-permit-renewal": ["autorização de residência", "titre de séjour", "visa", "AIMA"],
    "family-doctor": ["médico de família", "SNS", "médecin traitant", "GP"],
    "vehicle-registration": ["DUA", "certificado de matrícula", "carte grise", "car registration"],
    "criminal-record": ["registo criminal", "casier judiciaire", "lý lịch tư pháp"],
}


def names_of(code):
    for a in ADMINISTRATIONS:
        if a[0] == code:
            return dict(zip(LANGS, a[1:]))
    raise KeyError(code)


def service(code, admin, audience, channels, minutes, fee, titles):
    admin_names = names_of(admin)
    texts = {}
    for lang, title in zip(LANGS, titles):
        texts[lang] = {
            "name": title,
            "description": DESCRIPTIONS[lang].format(name=title, admin=admin_names[lang]),
            "documents": DOCUMENTS["citizens" if audience == "citizens" else "businesses"][lang],
        }
    return {"code": code, "administration": admin, "audience": audience, "channels": channels,
            "duration_minutes": minutes, "fee_cents": fee, "legal_basis": "", "texts": texts}


def main():
    administrations = [{"code": a[0], "names": dict(zip(LANGS, a[1:]))} for a in ADMINISTRATIONS]
    services = []
    for (code, admin, channels, minutes, fee, *titles) in CITIZEN_SERVICES:
        services.append(service(code, admin, "citizens", channels, minutes, fee, titles))
    # The student housing aid, fully online, with documents of its own (the procedure that asks
    # for the student certificate and the tax notice).
    services.insert(13, STUDENT_HOUSING_AID)
    for s in services:
        if s["code"] in KEYWORDS:
            s["keywords"] = KEYWORDS[s["code"]]
    for admin, subject in SUBJECTS.items():
        for (kind, fr, pt, vi, en, channels, minutes) in TEMPLATES:
            titles = (fr.format(fr=subject[0]), pt.format(pt=subject[1]), vi.format(vi=subject[2]), en.format(en=subject[3]))
            services.append(service(f"{admin}-{kind}", admin, "businesses", channels, minutes, 0, titles))
    code, admin, channels, minutes, fee, *titles = EXTRA_BUSINESS
    services.append(service(code, admin, "businesses", channels, minutes, fee, titles))

    weekdays_long = {d: [["08:30", "19:30"]] for d in ("mon", "tue", "wed", "thu", "fri")}
    weekdays_long["sat"] = [["09:30", "15:00"]]
    weekdays_short = {d: [["09:00", "12:30"], ["14:00", "17:00"]] for d in ("mon", "tue", "wed", "thu", "fri")}
    shops = []
    lisbon = [("lisboa-laranjeiras", "Laranjeiras", "Rua Abranches Ferrão 10, Lisboa", 38.7455, -9.1712),
              ("lisboa-saldanha", "Saldanha", "Avenida Fontes Pereira de Melo 51, Lisboa", 38.7339, -9.1449),
              ("lisboa-restauradores", "Restauradores", "Praça dos Restauradores 17, Lisboa", 38.7155, -9.1416),
              ("porto-bolhao", "Porto", "Rua Sá da Bandeira 343, Porto", 41.1498, -8.6064),
              ("coimbra", "Coimbra", "Avenida Central 24, Coimbra", 40.2095, -8.4295),
              ("braga", "Braga", "Avenida da Liberdade 787, Braga", 41.5454, -8.4222),
              ("aveiro", "Aveiro", "Rua do Batalhão de Caçadores 10, Aveiro", 40.6405, -8.6538),
              ("faro", "Faro", "Rua Pé da Cruz 5, Faro", 37.0194, -7.9322),
              ("setubal", "Setúbal", "Avenida Bento Gonçalves 23, Setúbal", 38.5244, -8.8882),
              ("viseu", "Viseu", "Rua da Paz 12, Viseu", 40.6566, -7.9125),
              ("leiria", "Leiria", "Largo da República 4, Leiria", 39.7436, -8.8071),
              ("evora", "Évora", "Rua de Valdevinos 6, Évora", 38.5714, -7.9135),
              ("guimaraes", "Guimarães", "Largo do Toural 20, Guimarães", 41.4425, -8.2918),
              ("santarem", "Santarém", "Rua Pedro de Santarém 30, Santarém", 39.2362, -8.6868),
              ("viana-do-castelo", "Viana do Castelo", "Rua da Bandeira 8, Viana do Castelo", 41.6932, -8.8329),
              ("castelo-branco", "Castelo Branco", "Avenida 1.º de Maio 9, Castelo Branco", 39.8222, -7.4909),
              ("funchal", "Funchal", "Rua da Alfândega 10, Funchal", 32.6496, -16.9086),
              ("cascais", "Cascais", "Avenida Marginal 1, Cascais", 38.6979, -9.4215),
              ("odivelas", "Odivelas", "Rua Guilherme Gomes Fernandes 2, Odivelas", 38.7929, -9.1838),
              ("almada", "Almada", "Rua Capitão Leitão 50, Almada", 38.6790, -9.1569)]
    for i, (code, name, address, lat, lon) in enumerate(lisbon):
        shops.append({"code": code, "name": f"Loja do Cidadão {name}", "address": address, "latitude": lat,
                      "longitude": lon, "time_zone": "Europe/Lisbon",
                      "opening_hours": weekdays_long if i < 10 else weekdays_short})
    azores = [("ponta-delgada", "Ponta Delgada", "Avenida Antero de Quental 9, Ponta Delgada", 37.7412, -25.6756),
              ("angra-do-heroismo", "Angra do Heroísmo", "Rua da Sé 1, Angra do Heroísmo", 38.6553, -27.2196),
              ("horta", "Horta", "Rua Walter Bensaúde 5, Horta", 38.5333, -28.6333),
              ("praia-da-vitoria", "Praia da Vitória", "Praça Francisco Ornelas da Câmara, Praia da Vitória", 38.7333, -27.0667),
              ("ribeira-grande", "Ribeira Grande", "Largo Conselheiro Hintze Ribeiro, Ribeira Grande", 37.8214, -25.5214)]
    for code, name, address, lat, lon in azores:
        shops.append({"code": code, "name": f"RIAC {name}", "address": address, "latitude": lat, "longitude": lon,
                      "time_zone": "Atlantic/Azores", "opening_hours": weekdays_short})
    paris = [("paris-consulat", "Paris", "6 rue Georges Berger, 75017 Paris", 48.8826, 2.3092),
             ("lyon", "Lyon", "71 rue Crillon, 69006 Lyon", 45.7700, 4.8536),
             ("marseille", "Marseille", "141 avenue du Prado, 13008 Marseille", 43.2782, 5.3893),
             ("toulouse", "Toulouse", "33 avenue Camille Pujol, 31500 Toulouse", 43.6043, 1.4592),
             ("lille", "Lille", "Place de la République, 59000 Lille", 50.6292, 3.0573)]
    for code, name, address, lat, lon in paris:
        shops.append({"code": code, "name": f"Espace citoyen {name}", "address": address, "latitude": lat,
                      "longitude": lon, "time_zone": "Europe/Paris", "opening_hours": weekdays_short})

    # Counters with mixed skills: in a shop with n counters, counter j serves the services of every
    # administration whose position modulo n is j (so every service has a counter), and every
    # other counter also serves the three most asked-for citizen services.
    admin_index = {a[0]: i for i, a in enumerate(ADMINISTRATIONS)}
    popular = ["citizen-card-renewal", "passport", "address-change"]
    pt_holidays = ["2026-12-01", "2026-12-08", "2026-12-25", "2027-01-01", "2027-03-26", "2027-04-25", "2027-05-01"]
    fr_holidays = ["2026-12-25", "2027-01-01", "2027-03-29", "2027-05-01", "2027-05-08"]
    for i, shop in enumerate(shops):
        n = 6 + i % 5
        counters = []
        for j in range(n):
            # Counters serve what is done in person or by video; a service only online has none.
            served = sorted(s["code"] for s in services if admin_index[s["administration"]] % n == j
                            and ({"in_person", "video"} & set(s["channels"])))
            if j % 2 == 0:
                served = sorted(set(served) | set(popular))
            counters.append({"code": f"g{j + 1:02d}", "services": served})
        shop["counters"] = counters
        shop["closures"] = fr_holidays if shop["time_zone"] == "Europe/Paris" else pt_holidays

    citizens = sum(1 for s in services if s["audience"] == "citizens")
    assert len(administrations) == 22 and len(services) == 151 and citizens == 24 and len(shops) == 30, \
        (len(administrations), len(services), citizens, len(shops))
    places = [{"country": c, "name": n, "postcodes": r, "latitude": la, "longitude": lo} for c, n, r, la, lo in PLACES]
    json.dump({"administrations": administrations, "services": services, "shops": shops, "places": places},
              sys.stdout, ensure_ascii=False, separators=(",", ":"))
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
