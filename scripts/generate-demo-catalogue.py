#!/usr/bin/env python3
"""Writes data/demo-catalogue.json: the demonstration catalogue `guichet demo-data` loads.

22 administrations and 150 services in four languages — real procedures of Portugal's
administrations (renewing a citizen card or a driving licence, registering a birth, creating a
company on the spot, changing a company's name, seat or purpose, registering its beneficial
owners, a trademark, a short-term rental…), each with its own documents to bring, duration and fee
— browsable by 12 themes and 13 life events; 30 citizen shops in three time zones (Lisbon, the
Azores, Paris) and the gazetteer of their towns. Run it again after editing:
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

# (code, administration, audience, channels, minutes, fee in cents, themes, documents,
#  en, fr, pt, vi)
IP, ON, VI, PH = "in_person", "online", "video", "phone"
CITIZEN = [
    ("citizen-card-renewal", "irn", "citizens", [IP], 20, 1800, "identity", "id address_proof",
     "Citizen card renewal", "Renouvellement de la carte d'identité", "Renovação do Cartão de Cidadão", "Gia hạn căn cước công dân"),
    ("passport", "irn", "citizens", [IP], 20, 6500, "identity travelling", "id passport_doc",
     "Passport application", "Demande de passeport", "Pedido de passaporte", "Cấp hộ chiếu"),
    ("birth-certificate", "irn", "citizens", [IP, ON], 10, 2000, "identity", "id",
     "Birth certificate", "Acte de naissance", "Certidão de nascimento", "Trích lục khai sinh"),
    ("marriage-registration", "irn", "citizens", [IP], 45, 12000, "identity family getting-married", "id birth_cert",
     "Marriage registration", "Enregistrement d'un mariage", "Registo de casamento", "Đăng ký kết hôn"),
    ("criminal-record", "irn", "citizens", [IP, ON], 10, 500, "identity work", "id",
     "Criminal record certificate", "Extrait de casier judiciaire", "Certificado de registo criminal", "Phiếu lý lịch tư pháp"),
    ("driving-licence-renewal", "imt", "citizens", [IP, ON], 15, 3000, "transport", "id driving_licence medical",
     "Driving licence renewal", "Renouvellement du permis de conduire", "Revalidação da carta de condução", "Gia hạn giấy phép lái xe"),
    ("driving-licence-exchange", "imt", "citizens", [IP], 20, 3000, "transport foreigners arriving", "id driving_licence medical",
     "Foreign driving licence exchange", "Échange d'un permis de conduire étranger", "Troca de carta de condução estrangeira", "Đổi giấy phép lái xe nước ngoài"),
    ("vehicle-registration", "imt", "citizens", [IP, ON], 20, 6500, "transport", "id vehicle_docs insurance",
     "Vehicle registration certificate", "Certificat d'immatriculation d'un véhicule", "Certificado de matrícula de veículo", "Giấy đăng ký xe"),
    ("tax-number", "at", "citizens", [IP, VI], 15, 0, "taxes foreigners arriving", "id address_proof",
     "Tax identification number", "Numéro fiscal", "Número de identificação fiscal", "Mã số thuế cá nhân"),
    ("income-tax-help", "at", "citizens", [IP, VI, PH], 30, 0, "taxes", "id nif income",
     "Help with the income tax return", "Aide à la déclaration de revenus", "Apoio à declaração de IRS", "Hỗ trợ kê khai thuế thu nhập"),
    ("address-change", "irn", "citizens", [IP, ON], 10, 0, "identity housing moving-house", "id address_proof",
     "Change of address", "Changement d'adresse", "Alteração de morada", "Thay đổi địa chỉ"),
    ("social-security-number", "seguranca-social", "citizens", [IP, VI], 20, 0, "work foreigners arriving", "id nif",
     "Social security number", "Numéro de sécurité sociale", "Número de identificação da Segurança Social", "Mã số an sinh xã hội"),
    ("family-allowance", "seguranca-social", "citizens", [IP, ON, PH], 30, 0, "family benefits having-a-baby", "id niss income",
     "Family allowance", "Allocations familiales", "Abono de família", "Trợ cấp gia đình"),
    ("unemployment-benefit", "seguranca-social", "citizens", [IP, VI], 30, 0, "work benefits losing-a-job", "id niss contract",
     "Unemployment benefit", "Allocation chômage", "Subsídio de desemprego", "Trợ cấp thất nghiệp"),
    ("old-age-pension", "cga", "citizens", [IP, VI, PH], 40, 0, "benefits retiring", "id niss iban",
     "Old-age pension request", "Demande de pension de retraite", "Pedido de pensão de velhice", "Đề nghị hưởng lương hưu"),
    ("european-health-card", "seguranca-social", "citizens", [IP, ON], 10, 0, "health travelling", "id niss",
     "European health insurance card", "Carte européenne d'assurance maladie", "Cartão Europeu de Seguro de Doença", "Thẻ bảo hiểm y tế châu Âu"),
    ("residence-permit-renewal", "aima", "citizens", [IP], 30, 8500, "foreigners", "passport_doc visa address_proof",
     "Residence permit renewal", "Renouvellement du titre de séjour", "Renovação de autorização de residência", "Gia hạn thẻ cư trú"),
    ("family-doctor", "sns", "citizens", [IP, PH], 15, 0, "health moving-house", "id sns_number",
     "Registration with a family doctor", "Inscription auprès d'un médecin de famille", "Inscrição no médico de família", "Đăng ký bác sĩ gia đình"),
    ("job-seeker", "iefp", "citizens", [IP, VI, ON], 30, 0, "work losing-a-job", "id niss cv",
     "Job seeker registration", "Inscription comme demandeur d'emploi", "Inscrição para emprego", "Đăng ký tìm việc"),
    ("vocational-training", "iefp", "citizens", [IP, VI], 30, 0, "work studying", "id school",
     "Vocational training enrolment", "Inscription à une formation professionnelle", "Inscrição em formação profissional", "Đăng ký học nghề"),
    ("adse-enrolment", "adse", "citizens", [IP, ON], 15, 0, "health work", "id contract",
     "ADSE enrolment", "Affiliation à l'ADSE", "Inscrição na ADSE", "Đăng ký ADSE"),
    ("property-certificate", "irn", "citizens", [IP, ON], 15, 2000, "housing buying-a-home", "property_ref",
     "Property registration certificate", "Certificat de propriété immobilière", "Certidão predial", "Giấy chứng nhận bất động sản"),
    ("resident-parking", "municipio", "citizens", [IP, ON], 15, 1200, "transport environment moving-house", "id address_proof vehicle_docs",
     "Resident parking permit", "Carte de stationnement résident", "Dístico de estacionamento de residente", "Thẻ đỗ xe cư dân"),
]

MORE = [
    # Tax and Customs Authority
    ("vat-activity-start", "at", "both", [ON, IP], 20, 0, "taxes business starting-a-business", "id nif activity_plan",
     "Declaring the start of a business activity", "Déclaration de début d'activité", "Declaração de início de atividade", "Đăng ký bắt đầu hoạt động kinh doanh với cơ quan thuế"),
    ("vat-activity-end", "at", "both", [ON, IP], 15, 0, "taxes business", "id nif",
     "Declaring the end of a business activity", "Déclaration de cessation d'activité", "Declaração de cessação de atividade", "Khai báo chấm dứt hoạt động kinh doanh"),
    ("tax-status-certificate", "at", "both", [ON, IP], 10, 0, "taxes business", "nif",
     "Certificate of a clean tax record", "Attestation de régularité fiscale", "Certidão de situação tributária regularizada", "Giấy xác nhận không nợ thuế"),
    ("property-transfer-tax", "at", "citizens", [IP], 30, 0, "taxes housing buying-a-home", "id nif deed property_ref",
     "Property transfer tax (IMT) on a purchase", "Droits de mutation (IMT) sur un achat immobilier", "Liquidação do IMT na compra de imóvel", "Thuế chuyển nhượng bất động sản (IMT) khi mua nhà"),
    ("own-home-tax-exemption", "at", "citizens", [ON, IP], 20, 0, "taxes housing buying-a-home", "nif property_ref address_proof",
     "Property tax (IMI) exemption for your own home", "Exonération de taxe foncière (IMI) pour sa résidence principale", "Isenção de IMI para habitação própria e permanente", "Miễn thuế tài sản (IMI) cho nhà ở chính"),
    ("vehicle-circulation-tax", "at", "citizens", [ON, IP], 10, 0, "taxes transport", "nif vehicle_docs",
     "Paying the vehicle circulation tax (IUC)", "Payer la taxe de circulation (IUC)", "Pagamento do Imposto Único de Circulação", "Nộp thuế lưu hành phương tiện (IUC)"),
    ("tax-address-change", "at", "citizens", [ON, IP], 10, 0, "taxes moving-house", "id nif address_proof",
     "Changing your tax address", "Changer d'adresse fiscale", "Alteração do domicílio fiscal", "Thay đổi địa chỉ thuế"),
    ("tax-debt-instalments", "at", "both", [IP, VI], 30, 0, "taxes", "nif income",
     "Paying a tax debt in instalments", "Payer une dette fiscale en plusieurs fois", "Pagamento de dívida fiscal em prestações", "Trả nợ thuế theo nhiều đợt"),
    ("household-invoices", "at", "citizens", [ON], 10, 0, "taxes", "nif",
     "Checking your household expense invoices (e-fatura)", "Vérifier les factures de dépenses du foyer (e-fatura)", "Verificação de faturas das despesas familiares (e-fatura)", "Kiểm tra hóa đơn chi tiêu gia đình (e-fatura)"),
    ("inheritance-stamp-duty", "at", "citizens", [IP], 45, 0, "taxes bereavement", "id nif death_cert property_ref",
     "Declaring an inheritance (stamp duty)", "Déclaration de succession (droit de timbre)", "Participação de herança (Imposto do Selo)", "Khai báo thừa kế (thuế trước bạ)"),
    ("customs-import-declaration", "at", "businesses", [ON, IP], 30, 0, "business taxes", "nif invoices",
     "Customs import declaration", "Déclaration en douane à l'importation", "Declaração aduaneira de importação", "Tờ khai hải quan nhập khẩu"),
    ("tax-representative", "at", "citizens", [IP, ON], 15, 0, "taxes foreigners", "id nif address_proof",
     "Appointing a tax representative", "Désigner un représentant fiscal", "Nomeação de representante fiscal", "Chỉ định người đại diện thuế"),
    ("vat-refund", "at", "businesses", [ON, IP], 20, 0, "taxes business", "nif invoices iban",
     "VAT refund request", "Demande de remboursement de TVA", "Pedido de reembolso de IVA", "Đề nghị hoàn thuế GTGT"),
    # Social Security Institute
    ("parental-allowance", "seguranca-social", "citizens", [ON, IP], 20, 0, "family benefits having-a-baby", "id niss birth_cert iban",
     "Parental allowance", "Allocation parentale", "Subsídio parental", "Trợ cấp nuôi con"),
    ("sickness-benefit", "seguranca-social", "citizens", [IP, ON], 15, 0, "health benefits", "id niss medical",
     "Sickness benefit", "Indemnités journalières maladie", "Subsídio de doença", "Trợ cấp ốm đau"),
    ("social-integration-income", "seguranca-social", "citizens", [IP], 40, 0, "benefits losing-a-job", "id niss income address_proof",
     "Social integration income (RSI)", "Revenu social d'insertion (RSI)", "Rendimento Social de Inserção", "Thu nhập hội nhập xã hội (RSI)"),
    ("self-employed-registration", "seguranca-social", "both", [ON, IP], 20, 0, "work business starting-a-business", "id niss nif",
     "Registering as self-employed with social security", "Affiliation d'un travailleur indépendant", "Enquadramento de trabalhador independente", "Đăng ký lao động tự do với cơ quan an sinh"),
    ("employer-registration", "seguranca-social", "businesses", [ON, IP], 20, 0, "business hiring starting-a-business", "company_code rep_id",
     "Registering as an employer", "Immatriculation en tant qu'employeur", "Inscrição como entidade empregadora", "Đăng ký là người sử dụng lao động"),
    ("new-employee-notice", "seguranca-social", "businesses", [ON], 10, 0, "business hiring", "niss contract",
     "Declaring a new employee", "Déclaration préalable à l'embauche", "Comunicação de admissão de trabalhador", "Khai báo tuyển nhân viên mới"),
    ("contribution-statement", "seguranca-social", "both", [ON, IP], 10, 0, "business benefits", "niss",
     "Statement of paid-up contributions", "Attestation de régularité des cotisations", "Declaração de situação contributiva", "Giấy xác nhận đã đóng đủ bảo hiểm"),
    ("inclusion-benefit", "seguranca-social", "citizens", [IP, VI], 40, 0, "benefits health disability", "id niss disability_cert iban",
     "Social benefit for inclusion (disability)", "Prestation sociale pour l'inclusion (handicap)", "Prestação Social para a Inclusão", "Trợ cấp hòa nhập xã hội (khuyết tật)"),
    ("death-grant", "seguranca-social", "citizens", [IP], 30, 0, "benefits bereavement", "id death_cert iban",
     "Death grant", "Capital décès", "Subsídio por morte", "Trợ cấp tử tuất"),
    ("informal-carer-status", "seguranca-social", "citizens", [IP, VI], 40, 0, "family benefits disability", "id niss medical",
     "Informal carer status", "Statut d'aidant familial", "Estatuto do Cuidador Informal", "Tư cách người chăm sóc không chuyên"),
    # Registries and Notary Institute
    ("birth-registration", "irn", "citizens", [IP], 30, 0, "identity family having-a-baby", "id birth_declaration",
     "Registering a birth", "Déclaration de naissance", "Registo de nascimento", "Đăng ký khai sinh"),
    ("death-registration", "irn", "citizens", [IP], 30, 0, "identity family bereavement", "id death_declaration",
     "Registering a death", "Déclaration de décès", "Registo de óbito", "Đăng ký khai tử"),
    ("divorce-mutual-consent", "irn", "citizens", [IP], 60, 28000, "family", "id marriage_cert agreement",
     "Divorce by mutual consent", "Divorce par consentement mutuel", "Divórcio por mútuo consentimento", "Ly hôn thuận tình"),
    ("nationality-application", "irn", "citizens", [IP], 45, 25000, "identity foreigners", "passport_doc birth_cert criminal",
     "Applying for Portuguese nationality", "Demande de nationalité portugaise", "Pedido de nacionalidade portuguesa", "Xin quốc tịch Bồ Đào Nha"),
    ("name-change", "irn", "citizens", [IP], 30, 20000, "identity family getting-married", "id birth_cert",
     "Changing your name", "Changement de nom", "Alteração de nome", "Thay đổi họ tên"),
    ("vehicle-ownership-registration", "irn", "citizens", [IP, ON], 20, 6500, "transport", "id vehicle_docs sale_declaration",
     "Registering a vehicle's new owner", "Enregistrer le nouveau propriétaire d'un véhicule", "Registo de propriedade automóvel", "Đăng ký chủ sở hữu mới của xe"),
    ("property-purchase-registration", "irn", "citizens", [IP, ON], 30, 25000, "housing buying-a-home", "id deed property_ref",
     "Registering a property purchase", "Inscription d'un achat immobilier au registre foncier", "Registo predial de aquisição", "Đăng ký quyền sở hữu nhà đất đã mua"),
    ("company-name-certificate", "irn", "businesses", [ON, IP], 15, 7500, "business starting-a-business", "rep_id",
     "Company name approval certificate", "Certificat d'admissibilité de la dénomination sociale", "Certificado de admissibilidade de firma", "Giấy chấp thuận tên doanh nghiệp"),
    ("company-name-change", "irn", "businesses", [IP, ON], 30, 20000, "business", "company_code minutes rep_id",
     "Changing a company's name", "Changer la dénomination d'une société", "Alteração da firma de sociedade", "Thay đổi tên công ty"),
    ("company-seat-change", "irn", "businesses", [IP, ON], 30, 15000, "business moving-house", "company_code minutes rep_id",
     "Moving a company's registered office", "Transfert du siège social", "Mudança de sede de sociedade", "Chuyển trụ sở công ty"),
    ("company-object-change", "irn", "businesses", [IP, ON], 30, 20000, "business", "company_code minutes rep_id",
     "Changing a company's business purpose", "Modifier l'objet social d'une société", "Alteração do objeto social", "Thay đổi ngành nghề kinh doanh của công ty"),
    ("beneficial-owner-declaration", "irn", "businesses", [ON, IP], 20, 0, "business starting-a-business", "company_code rep_id",
     "Registering a company's beneficial owners", "Déclaration des bénéficiaires effectifs", "Declaração do Registo Central do Beneficiário Efetivo", "Khai báo chủ sở hữu hưởng lợi của công ty"),
    ("permanent-certificate", "irn", "businesses", [ON, IP], 10, 2500, "business", "company_code",
     "Permanent commercial register certificate", "Extrait Kbis permanent du registre du commerce", "Certidão permanente do registo comercial", "Trích lục đăng ký kinh doanh thường trực"),
    ("company-dissolution", "irn", "businesses", [IP], 60, 30000, "business", "company_code minutes accounts",
     "Dissolving and winding up a company on the spot", "Dissolution et liquidation immédiates d'une société", "Dissolução e liquidação de sociedade na hora", "Giải thể và thanh lý công ty ngay trong ngày"),
    # Mobility and Transport Institute
    ("driving-licence-duplicate", "imt", "citizens", [IP, ON], 15, 3000, "transport", "id",
     "Replacing a lost driving licence", "Duplicata du permis de conduire", "Segunda via da carta de condução", "Cấp lại giấy phép lái xe bị mất"),
    ("international-driving-permit", "imt", "citizens", [IP, ON], 15, 1500, "transport travelling", "id driving_licence photo",
     "International driving permit", "Permis de conduire international", "Licença internacional de condução", "Giấy phép lái xe quốc tế"),
    ("driving-test", "imt", "citizens", [IP], 40, 2500, "transport studying", "id school_certificate",
     "Taking the practical driving test", "Passer l'examen pratique du permis", "Exame prático de condução", "Thi sát hạch lái xe thực hành"),
    ("imported-vehicle-approval", "imt", "both", [IP], 40, 18000, "transport arriving", "id vehicle_docs invoices technical",
     "Approving an imported vehicle", "Réception d'un véhicule importé", "Homologação de veículo importado", "Phê duyệt xe nhập khẩu"),
    ("taxi-driver-certificate", "imt", "businesses", [IP], 30, 3000, "transport work", "id driving_licence criminal certificates",
     "Taxi driver certificate", "Carte professionnelle de chauffeur de taxi", "Certificado de motorista de táxi", "Chứng chỉ lái xe taxi"),
    ("road-haulage-licence", "imt", "businesses", [ON, IP], 30, 25000, "transport business", "company_code rep_id certificates",
     "Road haulage licence", "Licence de transport routier de marchandises", "Alvará de transporte rodoviário de mercadorias", "Giấy phép vận tải hàng hóa đường bộ"),
    ("tachograph-card", "imt", "businesses", [IP], 20, 5000, "transport work", "id driving_licence photo",
     "Driver tachograph card", "Carte de conducteur pour chronotachygraphe", "Cartão de condutor de tacógrafo", "Thẻ lái xe cho thiết bị giám sát hành trình"),
    # Integration, Migration and Asylum Agency
    ("work-residence-permit", "aima", "citizens", [IP], 45, 8500, "foreigners work arriving", "passport_doc visa contract criminal",
     "Residence permit to work", "Titre de séjour pour travailler", "Autorização de residência para atividade profissional", "Thẻ cư trú để làm việc"),
    ("family-reunification", "aima", "citizens", [IP], 45, 8500, "foreigners family arriving", "passport_doc birth_cert marriage_cert income",
     "Family reunification", "Regroupement familial", "Reagrupamento familiar", "Đoàn tụ gia đình"),
    ("eu-citizen-registration", "aima", "citizens", [IP], 20, 1500, "foreigners arriving", "id address_proof",
     "Registration certificate for EU citizens", "Attestation d'enregistrement des citoyens de l'UE", "Certificado de registo de cidadão da União Europeia", "Giấy đăng ký cư trú cho công dân EU"),
    ("refugee-travel-document", "aima", "citizens", [IP], 30, 0, "foreigners travelling", "visa photo",
     "Travel document for refugees", "Titre de voyage pour réfugiés", "Título de viagem para refugiados", "Giấy thông hành cho người tị nạn"),
    ("asylum-application", "aima", "citizens", [IP], 60, 0, "foreigners arriving", "passport_doc",
     "Applying for international protection (asylum)", "Demande d'asile", "Pedido de proteção internacional", "Xin bảo hộ quốc tế (tị nạn)"),
    # National Health Service
    ("health-user-number", "sns", "citizens", [IP], 10, 0, "health arriving having-a-baby", "id address_proof",
     "Health service user number", "Numéro d'usager du service de santé", "Número de utente do SNS", "Mã số người dùng dịch vụ y tế"),
    ("disability-medical-certificate", "sns", "citizens", [IP], 30, 5000, "health disability", "id medical",
     "Multipurpose disability medical certificate", "Certificat médical d'incapacité", "Atestado médico de incapacidade multiuso", "Giấy chứng nhận y khoa về mức độ khuyết tật"),
    ("vaccination-record", "sns", "citizens", [IP, ON], 10, 0, "health travelling", "id sns_number",
     "Vaccination record", "Carnet de vaccination", "Boletim de vacinas", "Sổ tiêm chủng"),
    ("patient-transport", "sns", "citizens", [PH, IP], 15, 0, "health disability", "sns_number medical",
     "Non-urgent patient transport", "Transport sanitaire non urgent", "Transporte não urgente de doentes", "Vận chuyển người bệnh không cấp cứu"),
    ("living-will", "sns", "citizens", [IP], 20, 0, "health", "id living_will_form",
     "Registering an advance healthcare directive", "Enregistrer ses directives anticipées", "Registo do testamento vital", "Đăng ký chỉ thị chăm sóc y tế trước"),
    ("medical-records-access", "sns", "citizens", [IP, ON], 15, 0, "health", "id sns_number",
     "Access to your medical records", "Accès à son dossier médical", "Acesso à informação de saúde", "Truy cập hồ sơ bệnh án"),
    # Employment and Vocational Training Institute
    ("hiring-support", "iefp", "businesses", [ON, IP], 30, 0, "business hiring", "company_code contract",
     "Hiring support for employers", "Aide à l'embauche pour les employeurs", "Apoio à contratação de trabalhadores", "Hỗ trợ tuyển dụng cho người sử dụng lao động"),
    ("traineeship", "iefp", "both", [ON, IP], 30, 0, "work hiring studying", "company_code school",
     "Professional traineeship", "Stage professionnel", "Estágio profissional", "Thực tập nghề nghiệp"),
    ("own-job-creation", "iefp", "citizens", [IP, VI], 45, 0, "work starting-a-business losing-a-job", "id activity_plan",
     "Support for creating your own job", "Aide à la création de son propre emploi", "Apoio à criação do próprio emprego", "Hỗ trợ tự tạo việc làm"),
    ("skills-recognition", "iefp", "citizens", [IP], 45, 0, "work studying", "id certificates",
     "Recognition of skills (RVCC)", "Validation des acquis de l'expérience", "Reconhecimento, validação e certificação de competências", "Công nhận kỹ năng nghề (RVCC)"),
    ("training-certificate-copy", "iefp", "citizens", [ON, IP], 10, 0, "work studying", "id",
     "Copy of a training certificate", "Duplicata d'un certificat de formation", "Segunda via de certificado de formação", "Bản sao chứng chỉ đào tạo"),
    # Working Conditions Authority
    ("working-hours-map", "act", "businesses", [ON, IP], 15, 0, "business hiring", "company_code",
     "Filing the working hours map", "Déclaration des horaires de travail", "Mapa de horário de trabalho", "Nộp bảng giờ làm việc"),
    ("posted-workers-notice", "act", "businesses", [ON, IP], 20, 0, "business foreigners", "company_code contract",
     "Posting workers to Portugal", "Détachement de travailleurs au Portugal", "Comunicação de destacamento de trabalhadores", "Thông báo cử lao động sang Bồ Đào Nha"),
    ("workplace-accident-report", "act", "businesses", [ON, IP], 20, 0, "business health", "company_code insurance",
     "Reporting a workplace accident", "Déclaration d'accident du travail", "Participação de acidente de trabalho", "Báo cáo tai nạn lao động"),
    ("labour-inspection-request", "act", "citizens", [IP, PH, ON], 30, 0, "work consumers", "id contract",
     "Asking the labour inspectorate to intervene", "Saisir l'inspection du travail", "Pedido de intervenção inspetiva", "Đề nghị thanh tra lao động can thiệp"),
    ("safety-services-notice", "act", "businesses", [ON], 20, 0, "business health hiring", "company_code",
     "Notifying occupational health and safety services", "Déclarer son service de santé et sécurité au travail", "Comunicação dos serviços de segurança e saúde no trabalho", "Thông báo dịch vụ an toàn và sức khỏe lao động"),
    # Competitiveness and Innovation Agency
    ("sme-certification", "iapmei", "businesses", [ON, IP], 15, 0, "business", "company_code accounts",
     "SME certification", "Certification PME", "Certificação PME", "Chứng nhận doanh nghiệp nhỏ và vừa"),
    ("startup-status", "iapmei", "businesses", [ON, VI], 30, 0, "business starting-a-business", "company_code activity_plan",
     "Startup status", "Statut de startup", "Estatuto de Startup", "Tư cách doanh nghiệp khởi nghiệp"),
    ("innovation-funding", "iapmei", "businesses", [VI, IP], 45, 0, "business", "company_code activity_plan accounts",
     "Applying for innovation funding", "Candidater aux aides à l'innovation", "Candidatura a incentivos à inovação", "Nộp hồ sơ xin tài trợ đổi mới sáng tạo"),
    ("business-recovery", "iapmei", "businesses", [IP, VI], 60, 0, "business", "company_code accounts",
     "Out-of-court business recovery", "Procédure de conciliation pour entreprises en difficulté", "Regime extrajudicial de recuperação de empresas", "Tái cơ cấu doanh nghiệp ngoài tòa án"),
    # National Industrial Property Institute
    ("trademark-registration", "inpi", "businesses", [ON, IP], 30, 12542, "business starting-a-business", "rep_id trademark_image",
     "Registering a trademark", "Dépôt de marque", "Registo de marca", "Đăng ký nhãn hiệu"),
    ("patent-application", "inpi", "businesses", [ON, IP], 45, 10400, "business", "rep_id invention",
     "Applying for a patent", "Demande de brevet", "Pedido de patente", "Nộp đơn đăng ký sáng chế"),
    ("design-registration", "inpi", "businesses", [ON, IP], 30, 9800, "business", "rep_id trademark_image",
     "Registering a design", "Dépôt de dessin ou modèle", "Registo de desenho ou modelo", "Đăng ký kiểu dáng công nghiệp"),
    ("logotype-registration", "inpi", "businesses", [ON, IP], 30, 12542, "business", "rep_id trademark_image",
     "Registering a logotype", "Enregistrement d'un logotype", "Registo de logótipo", "Đăng ký biểu trưng (logo)"),
    ("trademark-renewal", "inpi", "businesses", [ON, IP], 15, 12500, "business", "rep_id",
     "Renewing a trademark", "Renouvellement de marque", "Renovação de marca", "Gia hạn nhãn hiệu"),
    # Food and Economic Safety Authority
    ("food-business-registration", "asae", "businesses", [ON, IP], 20, 0, "business starting-a-business", "company_code site_plan",
     "Registering a food business", "Enregistrement d'un exploitant du secteur alimentaire", "Registo de operador do setor alimentar", "Đăng ký cơ sở kinh doanh thực phẩm"),
    ("complaints-book", "asae", "citizens", [ON, IP], 15, 0, "consumers", "id invoices",
     "Filing a consumer complaint (complaints book)", "Déposer une réclamation de consommateur", "Livro de Reclamações", "Gửi khiếu nại của người tiêu dùng"),
    ("restaurant-opening", "asae", "businesses", [ON, IP], 30, 0, "business starting-a-business", "company_code site_plan insurance",
     "Opening a restaurant or a bar", "Ouvrir un restaurant ou un bar", "Abertura de estabelecimento de restauração ou bebidas", "Mở nhà hàng hoặc quán bar"),
    ("unsafe-product-report", "asae", "citizens", [ON, PH], 15, 0, "consumers", "invoices",
     "Reporting an unsafe product", "Signaler un produit dangereux", "Denúncia de produto inseguro", "Báo cáo sản phẩm không an toàn"),
    # Portuguese Environment Agency
    ("waste-operator-licence", "apa", "businesses", [IP, ON], 45, 35000, "business environment", "company_code technical site_plan",
     "Waste management licence", "Autorisation d'exploiter une installation de gestion des déchets", "Licença de operador de gestão de resíduos", "Giấy phép quản lý chất thải"),
    ("water-use-permit", "apa", "both", [ON, IP], 40, 10000, "environment housing", "id site_plan technical",
     "Permit to use water resources (well, borehole)", "Autorisation de prélèvement d'eau (puits, forage)", "Título de utilização de recursos hídricos", "Giấy phép sử dụng tài nguyên nước (giếng, khoan)"),
    ("environmental-licence", "apa", "businesses", [ON, IP], 60, 0, "business environment", "company_code technical",
     "Single environmental licence", "Autorisation environnementale unique", "Licença Ambiental Única", "Giấy phép môi trường hợp nhất"),
    ("emissions-report", "apa", "businesses", [ON], 30, 0, "business environment", "company_code technical",
     "Annual pollutant emissions report", "Déclaration annuelle des émissions polluantes", "Declaração anual de emissões (PRTR)", "Báo cáo phát thải hằng năm"),
    # Directorate-General for Economic Activities
    ("shop-opening-notice", "dgae", "businesses", [ON, IP], 20, 0, "business starting-a-business", "company_code site_plan",
     "Opening a shop or a wholesale business", "Ouvrir un commerce de détail ou de gros", "Comunicação de abertura de estabelecimento comercial", "Mở cửa hàng bán lẻ hoặc bán buôn"),
    ("market-trader-card", "dgae", "both", [IP, ON], 20, 0, "business work", "id nif photo",
     "Market trader card", "Carte de commerçant ambulant", "Título de exercício de atividade de feirante", "Thẻ hành nghề bán hàng tại chợ phiên"),
    ("clearance-sales-notice", "dgae", "businesses", [ON], 10, 0, "business consumers", "company_code",
     "Notifying a clearance sale", "Déclarer une liquidation", "Comunicação de venda em liquidação", "Thông báo bán thanh lý"),
    ("industrial-licence", "dgae", "businesses", [IP, ON], 45, 0, "business environment", "company_code technical site_plan",
     "Licensing an industrial establishment", "Autorisation d'un établissement industriel", "Licenciamento de estabelecimento industrial (SIR)", "Cấp phép cơ sở công nghiệp"),
    # National Statistics Institute
    ("business-survey-help", "ine", "businesses", [VI, PH, IP], 30, 0, "business", "company_code",
     "Help with a business statistical survey", "Aide pour répondre à une enquête statistique", "Apoio ao preenchimento de inquéritos às empresas", "Hỗ trợ trả lời điều tra thống kê doanh nghiệp"),
    ("custom-statistics-request", "ine", "both", [ON, VI], 30, 0, "business", "request_description",
     "Requesting tailored statistics", "Demande de statistiques sur mesure", "Pedido de informação estatística por medida", "Yêu cầu số liệu thống kê theo nhu cầu"),
    ("activity-code", "ine", "businesses", [ON, VI, IP], 20, 0, "business starting-a-business", "activity_plan",
     "Finding your economic activity code (CAE)", "Déterminer son code d'activité (APE)", "Classificação da atividade económica (CAE)", "Xác định mã ngành kinh tế (CAE)"),
    # Bank of Portugal
    ("credit-register-report", "banco-portugal", "citizens", [ON, IP], 15, 0, "consumers buying-a-home", "id nif",
     "Your credit register report", "Relevé de vos crédits à la centrale des risques", "Mapa de Responsabilidades de Crédito", "Báo cáo thông tin tín dụng cá nhân"),
    ("banking-complaint", "banco-portugal", "citizens", [ON, IP], 20, 0, "consumers", "id complaint_letters",
     "Complaint about a bank", "Réclamation contre une banque", "Reclamação sobre uma instituição bancária", "Khiếu nại về ngân hàng"),
    ("bank-accounts-list", "banco-portugal", "citizens", [ON, IP], 15, 0, "consumers bereavement", "id nif",
     "List of your bank accounts", "Liste de vos comptes bancaires", "Base de Dados de Contas", "Danh sách tài khoản ngân hàng của bạn"),
    ("payment-institution-authorisation", "banco-portugal", "businesses", [IP, VI], 60, 0, "business", "company_code activity_plan accounts",
     "Authorisation of a payment institution", "Agrément d'un établissement de paiement", "Autorização de instituição de pagamento", "Cấp phép tổ chức thanh toán"),
    ("damaged-banknotes", "banco-portugal", "citizens", [IP], 15, 0, "consumers", "id",
     "Exchanging damaged banknotes", "Échanger des billets endommagés", "Troca de notas danificadas", "Đổi tiền giấy bị hư hỏng"),
    # Civil Servants' Health Scheme
    ("adse-reimbursement", "adse", "citizens", [ON, IP], 15, 0, "health", "adse_card invoices",
     "Reimbursement of health expenses", "Remboursement de frais de santé", "Reembolso de despesas de saúde (regime livre)", "Hoàn trả chi phí y tế"),
    ("adse-family-member", "adse", "citizens", [ON, IP], 15, 0, "health family having-a-baby getting-married", "adse_card birth_cert",
     "Adding a family member to ADSE", "Ajouter un ayant droit à l'ADSE", "Inscrição de familiar na ADSE", "Thêm thành viên gia đình vào ADSE"),
    ("adse-card-replacement", "adse", "citizens", [ON], 10, 0, "health", "id",
     "Replacing an ADSE card", "Remplacer une carte ADSE", "Segunda via do cartão ADSE", "Cấp lại thẻ ADSE"),
    # General Retirement Fund
    ("survivor-pension", "cga", "citizens", [IP, VI, PH], 40, 0, "benefits bereavement", "id death_cert marriage_cert iban",
     "Survivor's pension", "Pension de réversion", "Pensão de sobrevivência", "Lương hưu cho thân nhân còn sống"),
    ("disability-retirement", "cga", "citizens", [IP], 40, 0, "benefits disability retiring", "id medical",
     "Retirement on grounds of disability", "Retraite pour invalidité", "Aposentação por incapacidade", "Nghỉ hưu do suy giảm khả năng lao động"),
    ("pension-simulation", "cga", "citizens", [ON, VI, PH], 20, 0, "benefits retiring", "id",
     "Simulating your pension", "Simuler sa retraite", "Simulação de pensão", "Ước tính lương hưu"),
    ("pension-income-statement", "cga", "citizens", [ON, IP], 10, 0, "benefits taxes retiring", "id",
     "Pension income statement for your tax return", "Attestation de pension pour la déclaration de revenus", "Declaração de rendimentos de pensões", "Giấy xác nhận thu nhập lương hưu để khai thuế"),
    # Energy Services Regulator
    ("energy-complaint", "erse", "citizens", [ON, PH, IP], 20, 0, "consumers housing", "bill complaint_letters",
     "Complaint about an electricity or gas supplier", "Réclamation contre un fournisseur d'électricité ou de gaz", "Reclamação sobre fornecedor de eletricidade ou gás", "Khiếu nại nhà cung cấp điện hoặc khí đốt"),
    ("energy-supplier-switch", "erse", "citizens", [PH, VI, IP], 20, 0, "consumers housing moving-house", "bill",
     "Help switching energy supplier", "Aide pour changer de fournisseur d'énergie", "Apoio à mudança de comercializador de energia", "Hỗ trợ đổi nhà cung cấp năng lượng"),
    ("social-energy-tariff", "erse", "citizens", [ON, PH], 10, 0, "benefits housing consumers", "bill",
     "Social energy tariff", "Tarif social de l'énergie", "Tarifa social de energia", "Giá năng lượng xã hội"),
    ("energy-supplier-registration", "erse", "businesses", [ON, IP], 45, 0, "business", "company_code accounts",
     "Registering as an energy supplier", "Enregistrement comme fournisseur d'énergie", "Registo de comercializador de energia", "Đăng ký làm nhà cung cấp năng lượng"),
    # National Communications Authority
    ("telecom-complaint", "anacom", "citizens", [ON, IP], 20, 0, "consumers moving-house", "bill complaint_letters",
     "Complaint about a phone or internet operator", "Réclamation contre un opérateur téléphonique ou internet", "Reclamação sobre operador de telefone ou internet", "Khiếu nại nhà mạng điện thoại hoặc internet"),
    ("amateur-radio-licence", "anacom", "citizens", [IP, ON], 20, 1800, "consumers", "id photo",
     "Amateur radio licence", "Certificat d'opérateur radioamateur", "Certificado de amador de radiocomunicações", "Giấy phép vô tuyến nghiệp dư"),
    ("radio-station-licence", "anacom", "businesses", [ON, IP], 30, 9000, "business", "company_code technical",
     "Radio station licence", "Licence de station radioélectrique", "Licença de estação de radiocomunicações", "Giấy phép đài vô tuyến điện"),
    ("network-operator-registration", "anacom", "businesses", [ON, IP], 30, 0, "business", "company_code activity_plan",
     "Registering as a communications operator", "Déclaration d'opérateur de communications électroniques", "Registo de empresa de redes e serviços de comunicações", "Đăng ký doanh nghiệp viễn thông"),
    # Directorate-General for Employment and Labour Relations
    ("collective-agreement-deposit", "dgert", "businesses", [IP, ON], 30, 0, "business hiring", "agreement rep_id",
     "Filing a collective labour agreement", "Dépôt d'une convention collective", "Depósito de convenção coletiva de trabalho", "Nộp thỏa ước lao động tập thể"),
    ("training-provider-certification", "dgert", "businesses", [ON, IP], 45, 50000, "business work", "company_code certificates",
     "Certification of a training provider", "Certification d'un organisme de formation", "Certificação de entidade formadora", "Chứng nhận cơ sở đào tạo"),
    ("collective-conciliation", "dgert", "businesses", [IP], 60, 0, "business work", "rep_id complaint_letters",
     "Conciliation in a collective labour dispute", "Conciliation dans un conflit collectif du travail", "Conciliação em conflito coletivo de trabalho", "Hòa giải tranh chấp lao động tập thể"),
    # Tourism of Portugal
    ("local-accommodation-registration", "turismo", "both", [ON, IP], 30, 0, "business housing starting-a-business", "id property_ref insurance",
     "Registering a short-term rental (local accommodation)", "Déclarer une location de courte durée (alojamento local)", "Registo de Alojamento Local", "Đăng ký cho thuê lưu trú ngắn hạn"),
    ("hotel-classification", "turismo", "businesses", [IP], 45, 0, "business", "company_code site_plan technical",
     "Classifying a hotel or resort", "Classement d'un hôtel", "Classificação de empreendimento turístico", "Xếp hạng khách sạn hoặc khu nghỉ dưỡng"),
    ("travel-agency-registration", "turismo", "businesses", [ON], 30, 0, "business starting-a-business", "company_code insurance",
     "Registering a travel agency", "Immatriculation d'une agence de voyages", "Registo de agência de viagens e turismo (RNAVT)", "Đăng ký đại lý du lịch"),
    ("tourist-activity-registration", "turismo", "businesses", [ON], 30, 0, "business", "company_code insurance",
     "Registering a tourist activity company", "Immatriculation d'une entreprise d'animation touristique", "Registo de empresa de animação turística (RNAAT)", "Đăng ký doanh nghiệp hoạt động du lịch"),
    # Town hall
    ("building-permit", "municipio", "both", [IP, ON], 45, 15000, "housing environment buying-a-home", "id property_ref plans",
     "Building permit", "Permis de construire", "Licença de obras", "Giấy phép xây dựng"),
    ("residence-certificate", "municipio", "citizens", [IP], 10, 500, "identity housing moving-house", "id address_proof",
     "Certificate of residence", "Attestation de domicile", "Atestado de residência", "Giấy xác nhận cư trú"),
    ("dog-licence", "municipio", "citizens", [IP], 15, 1000, "environment", "id vaccination",
     "Registering and licensing a dog", "Enregistrer et déclarer un chien", "Registo e licenciamento de cão", "Đăng ký và cấp phép nuôi chó"),
    ("terrace-licence", "municipio", "businesses", [ON, IP], 20, 8000, "business environment", "company_code site_plan",
     "Licence for a café terrace on the street", "Autorisation de terrasse sur la voie publique", "Licença de ocupação da via pública (esplanada)", "Giấy phép đặt bàn ghế trên vỉa hè"),
    ("shop-sign-licence", "municipio", "businesses", [ON, IP], 20, 6000, "business environment", "company_code site_plan",
     "Licence for a shop sign", "Autorisation d'enseigne", "Licença de publicidade", "Giấy phép biển hiệu cửa hàng"),
    ("school-enrolment", "municipio", "citizens", [IP, ON], 20, 0, "family studying moving-house", "id birth_cert address_proof",
     "School enrolment and school meals", "Inscription scolaire et cantine", "Matrícula escolar e refeições", "Đăng ký nhập học và bữa ăn bán trú"),
    ("bulky-waste-collection", "municipio", "citizens", [PH, ON], 10, 0, "environment moving-house", "address_proof",
     "Collecting bulky waste", "Enlèvement des encombrants", "Recolha de monstros", "Thu gom đồ cồng kềnh"),
    ("noise-licence", "municipio", "both", [ON, IP], 15, 3000, "environment", "id event_description",
     "Special noise licence for an event", "Autorisation de bruit pour un événement", "Licença especial de ruído", "Giấy phép đặc biệt về tiếng ồn cho sự kiện"),
    ("municipal-rent-support", "municipio", "citizens", [IP, VI], 30, 0, "housing benefits", "id income lease",
     "Municipal rent support", "Aide municipale au loyer", "Apoio municipal ao arrendamento", "Hỗ trợ tiền thuê nhà của thành phố"),
]

COMPANY_ON_THE_SPOT = ("company-on-the-spot", "irn", "businesses", [IP], 60, 36000, "business starting-a-business", "id nif",
                       "Company on the spot", "Entreprise en un jour", "Empresa na Hora", "Thành lập doanh nghiệp trong ngày")

DOCUMENTS = {  # key: en, fr, pt, vi
    "id": ("Identity document", "Pièce d'identité", "Documento de identificação", "Giấy tờ tùy thân"),
    "nif": ("Tax number", "Numéro fiscal", "Número de contribuinte", "Mã số thuế"),
    "niss": ("Social security number", "Numéro de sécurité sociale", "Número de Segurança Social", "Mã số an sinh xã hội"),
    "sns_number": ("Health service user number", "Numéro d'usager du service de santé", "Número de utente do SNS", "Mã số người dùng dịch vụ y tế"),
    "adse_card": ("ADSE card", "Carte ADSE", "Cartão ADSE", "Thẻ ADSE"),
    "company_code": ("Business register access code", "Code d'accès au registre du commerce", "Código de acesso à certidão permanente", "Mã truy cập đăng ký kinh doanh"),
    "rep_id": ("Representative's identity document", "Pièce d'identité du représentant", "Documento de identificação do representante", "Giấy tờ tùy thân của người đại diện"),
    "minutes": ("Minutes of the partners' decision", "Procès-verbal de la décision des associés", "Ata da deliberação dos sócios", "Biên bản quyết định của thành viên góp vốn"),
    "iban": ("Proof of bank account (IBAN)", "Relevé d'identité bancaire (IBAN)", "Comprovativo de IBAN", "Giấy xác nhận tài khoản ngân hàng (IBAN)"),
    "address_proof": ("Proof of address", "Justificatif de domicile", "Comprovativo de morada", "Giấy tờ chứng minh địa chỉ"),
    "birth_cert": ("Birth certificate", "Acte de naissance", "Certidão de nascimento", "Giấy khai sinh"),
    "birth_declaration": ("Hospital's declaration of birth", "Déclaration de naissance de la maternité", "Declaração de nascimento do hospital", "Giấy chứng sinh của bệnh viện"),
    "death_cert": ("Death certificate", "Acte de décès", "Certidão de óbito", "Giấy chứng tử"),
    "death_declaration": ("Doctor's certificate of death", "Certificat médical de décès", "Certificado de óbito do médico", "Giấy báo tử của bác sĩ"),
    "marriage_cert": ("Marriage certificate", "Acte de mariage", "Certidão de casamento", "Giấy chứng nhận kết hôn"),
    "medical": ("Medical certificate", "Certificat médical", "Atestado médico", "Giấy chứng nhận y tế"),
    "disability_cert": ("Disability medical certificate", "Certificat médical d'incapacité", "Atestado médico de incapacidade multiuso", "Giấy chứng nhận khuyết tật"),
    "photo": ("Recent photograph", "Photo d'identité récente", "Fotografia recente", "Ảnh chân dung gần đây"),
    "driving_licence": ("Current driving licence", "Permis de conduire actuel", "Carta de condução atual", "Giấy phép lái xe hiện tại"),
    "vehicle_docs": ("Vehicle registration certificate", "Certificat d'immatriculation", "Certificado de matrícula", "Giấy đăng ký xe"),
    "sale_declaration": ("Signed declaration of sale", "Certificat de cession signé", "Declaração de venda assinada", "Giấy bán xe có chữ ký"),
    "insurance": ("Insurance certificate", "Attestation d'assurance", "Apólice de seguro", "Giấy chứng nhận bảo hiểm"),
    "deed": ("Deed or purchase contract", "Acte de vente", "Escritura ou contrato de compra e venda", "Hợp đồng mua bán nhà đất"),
    "property_ref": ("Property tax record (caderneta predial)", "Relevé cadastral du bien", "Caderneta predial", "Sổ thuế tài sản (caderneta predial)"),
    "passport_doc": ("Passport", "Passeport", "Passaporte", "Hộ chiếu"),
    "visa": ("Visa or current residence permit", "Visa ou titre de séjour actuel", "Visto ou autorização de residência atual", "Thị thực hoặc thẻ cư trú hiện tại"),
    "contract": ("Employment contract", "Contrat de travail", "Contrato de trabalho", "Hợp đồng lao động"),
    "income": ("Proof of income", "Justificatif de revenus", "Comprovativo de rendimentos", "Giấy tờ chứng minh thu nhập"),
    "lease": ("Lease", "Bail de location", "Contrato de arrendamento", "Hợp đồng thuê nhà"),
    "cv": ("Curriculum vitae", "Curriculum vitae", "Curriculum vitae", "Sơ yếu lý lịch"),
    "school": ("School or training certificates", "Diplômes et certificats de scolarité", "Certificados de habilitações", "Bằng cấp và chứng chỉ học tập"),
    "school_certificate": ("Driving school certificate", "Attestation de l'auto-école", "Certificado da escola de condução", "Giấy xác nhận của trường dạy lái xe"),
    "criminal": ("Criminal record certificate", "Extrait de casier judiciaire", "Certificado de registo criminal", "Phiếu lý lịch tư pháp"),
    "certificates": ("Certificates of training or experience", "Attestations de formation ou d'expérience", "Certificados de formação ou experiência", "Chứng chỉ đào tạo hoặc kinh nghiệm"),
    "activity_plan": ("Description of the business activity", "Description de l'activité", "Descrição da atividade", "Mô tả hoạt động kinh doanh"),
    "accounts": ("Latest annual accounts", "Derniers comptes annuels", "Últimas contas anuais", "Báo cáo tài chính năm gần nhất"),
    "technical": ("Technical report", "Rapport technique", "Memória descritiva", "Báo cáo kỹ thuật"),
    "site_plan": ("Location plan", "Plan de situation", "Planta de localização", "Sơ đồ vị trí"),
    "plans": ("Architectural plans", "Plans du projet", "Projeto de arquitetura", "Bản vẽ kiến trúc"),
    "invoices": ("Invoices and receipts", "Factures et reçus", "Faturas e recibos", "Hóa đơn và biên lai"),
    "bill": ("Latest bill", "Dernière facture", "Última fatura", "Hóa đơn gần nhất"),
    "complaint_letters": ("Letters exchanged with the company", "Courriers échangés avec l'entreprise", "Correspondência trocada com a empresa", "Thư từ trao đổi với doanh nghiệp"),
    "agreement": ("Signed agreement", "Accord signé", "Acordo assinado", "Văn bản thỏa thuận đã ký"),
    "trademark_image": ("Image of the sign", "Reproduction du signe", "Imagem do sinal", "Hình ảnh của dấu hiệu"),
    "invention": ("Description of the invention", "Description de l'invention", "Descrição da invenção", "Bản mô tả sáng chế"),
    "vaccination": ("Animal's vaccination booklet", "Carnet de vaccination de l'animal", "Boletim sanitário do animal", "Sổ tiêm phòng của vật nuôi"),
    "living_will_form": ("Completed directive form", "Formulaire de directives rempli", "Formulário de diretiva antecipada preenchido", "Mẫu chỉ thị đã điền"),
    "request_description": ("Description of the figures you need", "Description des chiffres souhaités", "Descrição da informação pretendida", "Mô tả số liệu cần có"),
    "event_description": ("Description of the event", "Description de l'événement", "Descrição do evento", "Mô tả sự kiện"),
}

THEMES = [  # code, kind, en, fr, pt, vi
    ("identity", "theme", "Identity and civil status", "Identité et état civil", "Identificação e registo civil", "Căn cước và hộ tịch"),
    ("family", "theme", "Family", "Famille", "Família", "Gia đình"),
    ("health", "theme", "Health", "Santé", "Saúde", "Y tế"),
    ("work", "theme", "Work and training", "Travail et formation", "Trabalho e formação", "Việc làm và đào tạo"),
    ("benefits", "theme", "Benefits and pensions", "Prestations et retraites", "Prestações sociais e pensões", "Trợ cấp và lương hưu"),
    ("housing", "theme", "Housing and property", "Logement et immobilier", "Habitação e imóveis", "Nhà ở và bất động sản"),
    ("transport", "theme", "Driving and vehicles", "Conduite et véhicules", "Condução e veículos", "Lái xe và phương tiện"),
    ("taxes", "theme", "Taxes", "Impôts", "Impostos", "Thuế"),
    ("foreigners", "theme", "Coming from abroad", "Venir de l'étranger", "Vir do estrangeiro", "Đến từ nước ngoài"),
    ("business", "theme", "Running a business", "Gérer une entreprise", "Gerir uma empresa", "Điều hành doanh nghiệp"),
    ("consumers", "theme", "Consumers and complaints", "Consommation et réclamations", "Consumidores e reclamações", "Người tiêu dùng và khiếu nại"),
    ("environment", "theme", "Environment and your town", "Environnement et commune", "Ambiente e município", "Môi trường và địa phương"),
    ("having-a-baby", "life_event", "Having a baby", "Avoir un enfant", "Ter um filho", "Sinh con"),
    ("getting-married", "life_event", "Getting married", "Se marier", "Casar", "Kết hôn"),
    ("moving-house", "life_event", "Moving house", "Déménager", "Mudar de casa", "Chuyển nhà"),
    ("buying-a-home", "life_event", "Buying a home", "Acheter un logement", "Comprar casa", "Mua nhà"),
    ("studying", "life_event", "Studying", "Faire des études", "Estudar", "Đi học"),
    ("losing-a-job", "life_event", "Losing your job", "Perdre son emploi", "Ficar desempregado", "Mất việc làm"),
    ("starting-a-business", "life_event", "Starting a business", "Créer une entreprise", "Criar uma empresa", "Thành lập doanh nghiệp"),
    ("hiring", "life_event", "Hiring someone", "Embaucher", "Contratar trabalhadores", "Tuyển dụng nhân viên"),
    ("arriving", "life_event", "Arriving in Portugal", "Arriver au Portugal", "Chegar a Portugal", "Đến Bồ Đào Nha"),
    ("travelling", "life_event", "Travelling abroad", "Voyager à l'étranger", "Viajar para o estrangeiro", "Đi nước ngoài"),
    ("disability", "life_event", "Living with a disability", "Vivre avec un handicap", "Viver com deficiência", "Sống với khuyết tật"),
    ("retiring", "life_event", "Retiring", "Partir à la retraite", "Reformar-se", "Nghỉ hưu"),
    ("bereavement", "life_event", "When someone dies", "Un décès dans la famille", "Morte de um familiar", "Khi người thân qua đời"),
]

DESCRIPTIONS = {  # by how the service is reached: a visit, online only, online or by phone
    "visit": {
        "fr": "Démarche auprès de : {admin}. Prenez rendez-vous dans un espace citoyen ou, si proposé, en visioconférence.",
        "pt": "Serviço prestado por: {admin}. Marque atendimento numa Loja do Cidadão ou, quando disponível, por videochamada.",
        "vi": "Cơ quan thực hiện: {admin}. Hãy đặt lịch tại trung tâm phục vụ hoặc, nếu có, qua cuộc gọi video.",
        "en": "Provided by: {admin}. Book at a citizen shop or, where offered, by video call.",
    },
    "online": {
        "fr": "Démarche auprès de : {admin}. Entièrement en ligne, depuis votre compte.",
        "pt": "Serviço prestado por: {admin}. Totalmente online, a partir da sua conta.",
        "vi": "Cơ quan thực hiện: {admin}. Thực hiện hoàn toàn trực tuyến, từ tài khoản của bạn.",
        "en": "Provided by: {admin}. Done entirely online, from your account.",
    },
    "remote": {
        "fr": "Démarche auprès de : {admin}. En ligne ou par téléphone.",
        "pt": "Serviço prestado por: {admin}. Online ou por telefone.",
        "vi": "Cơ quan thực hiện: {admin}. Trực tuyến hoặc qua điện thoại.",
        "en": "Provided by: {admin}. Online or by phone.",
    },
}


STUDENT_HOUSING_AID = {
    "code": "student-housing-aid", "administration": "seguranca-social", "audience": "citizens",
    "channels": ["online"], "duration_minutes": 20, "fee_cents": 0, "legal_basis": "",
    "themes": ["housing", "benefits", "studying"],
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
    "vat-activity-start": ["IVA", "TVA", "VAT", "abrir atividade", "recibos verdes", "auto-entrepreneur"],
    "property-transfer-tax": ["IMT", "imposto municipal sobre transmissões", "frais de notaire"],
    "own-home-tax-exemption": ["IMI", "taxe foncière", "council tax"],
    "vehicle-circulation-tax": ["IUC", "selo do carro", "vignette", "road tax"],
    "inheritance-stamp-duty": ["imposto do selo", "herança", "succession", "inheritance tax"],
    "social-integration-income": ["RSI", "RSA", "rendimento mínimo"],
    "inclusion-benefit": ["PSI", "AAH", "deficiência", "handicap"],
    "parental-allowance": ["licença parental", "congé maternité", "congé paternité", "maternity leave"],
    "beneficial-owner-declaration": ["RCBE", "beneficiário efetivo", "UBO"],
    "permanent-certificate": ["certidão permanente", "Kbis", "company register extract"],
    "company-name-certificate": ["RNPC", "certificado de admissibilidade"],
    "company-on-the-spot": ["empresa na hora", "criar empresa", "créer une société", "set up a company"],
    "activity-code": ["CAE", "code APE", "NAF"],
    "local-accommodation-registration": ["AL", "alojamento local", "Airbnb", "location saisonnière"],
    "travel-agency-registration": ["RNAVT"],
    "social-energy-tariff": ["tarifa social", "chèque énergie", "energy discount"],
    "complaints-book": ["livro de reclamações", "reclamação", "plainte"],
    "credit-register-report": ["CRC", "mapa de responsabilidades", "credit report"],
    "health-user-number": ["número de utente", "carte vitale", "NHS number"],
    "work-residence-permit": ["autorização de residência", "titre de séjour salarié", "work visa"],
    "eu-citizen-registration": ["CRUE", "certificado de registo", "attestation d'enregistrement"],
    "building-permit": ["licença de construção", "obras", "permis de construire"],
    "trademark-registration": ["marca", "INPI", "brand"],
}


FEATURED = ["citizen-card-renewal", "passport", "driving-licence-renewal", "tax-number", "address-change",
            "company-on-the-spot"]


def names_of(code):
    for a in ADMINISTRATIONS:
        if a[0] == code:
            return dict(zip(LANGS, a[1:]))
    raise KeyError(code)


def service(row):
    code, admin, audience, channels, minutes, fee, themes, documents, *titles = row
    en, fr, pt, vi = titles
    admin_names = names_of(admin)
    kind = "visit" if {"in_person", "video"} & set(channels) else ("remote" if "phone" in channels else "online")
    texts = {}
    for lang, title in zip(("en", "fr", "pt", "vi"), (en, fr, pt, vi)):
        column = ("en", "fr", "pt", "vi").index(lang)
        texts[lang] = {
            "name": title,
            "description": DESCRIPTIONS[kind][lang].format(name=title, admin=admin_names[lang]),
            "documents": [DOCUMENTS[d][column] for d in documents.split()],
        }
    out = {"code": code, "administration": admin, "audience": audience, "channels": channels,
           "duration_minutes": minutes, "fee_cents": fee, "legal_basis": "",
           "texts": {lang: texts[lang] for lang in LANGS}, "themes": themes.split()}
    if code in KEYWORDS:
        out["keywords"] = KEYWORDS[code]
    return out


def main():
    administrations = [{"code": a[0], "names": dict(zip(LANGS, a[1:]))} for a in ADMINISTRATIONS]
    theme_codes = {t[0] for t in THEMES}
    themes = [{"code": code, "kind": kind, "names": dict(zip(("en", "fr", "pt", "vi"), names))}
              for code, kind, *names in THEMES]
    services = [service(row) for row in CITIZEN]
    # The student housing aid, fully online, with documents of its own (the procedure that asks
    # for the student certificate and the tax notice).
    services.insert(13, STUDENT_HOUSING_AID)
    services += [service(row) for row in MORE]
    services.append(service(COMPANY_ON_THE_SPOT))
    for s in services:
        assert set(s["themes"]) <= theme_codes, (s["code"], s["themes"])
    # What the home page offers until bookings say what people ask for (the most asked-for at
    # Portugal's citizen shops).
    for rank, code in enumerate(FEATURED, start=1):
        next(s for s in services if s["code"] == code)["featured"] = rank
    for t in themes:
        t["names"] = {lang: t["names"][lang] for lang in LANGS}

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
        # The building, as each shop would describe it (the last one has not yet).
        if i < len(shops) - 1:
            shop["accessibility"] = {
                "step_free_entrance": i % 7 != 3,
                "accessible_toilet": i % 5 != 4,
                "hearing_loop": i % 3 == 0,
                "accessible_parking": i % 2 == 0,
                "sign_language": i < 10,
            }
        if shop["code"] == "lisboa-restauradores":
            shop["accessibility"]["notes"] = {
                "fr": "L'entrée de plain-pied est côté Rua dos Condes ; l'entrée principale a trois marches.",
                "pt": "A entrada sem degraus é pela Rua dos Condes; a entrada principal tem três degraus.",
                "vi": "Lối vào không có bậc thềm ở phía Rua dos Condes; lối vào chính có ba bậc.",
                "en": "The step-free entrance is on Rua dos Condes; the main entrance has three steps.",
            }

    codes = [s["code"] for s in services]
    assert len(set(codes)) == len(codes), "a code is repeated"
    served = {s["administration"] for s in services}
    assert len(administrations) == 22 and served == {a["code"] for a in administrations}, "every administration serves"
    assert len(services) == 150 and len(shops) == 30, (len(services), len(shops))
    places = [{"country": c, "name": n, "postcodes": r, "latitude": la, "longitude": lo} for c, n, r, la, lo in PLACES]
    json.dump({"administrations": administrations, "themes": themes, "services": services, "shops": shops,
               "places": places},
              sys.stdout, ensure_ascii=False, separators=(",", ":"))
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
