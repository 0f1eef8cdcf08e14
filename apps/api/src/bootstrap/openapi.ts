import { INestApplication } from '@nestjs/common';
import { DocumentBuilder, getSchemaPath, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { problemResponse } from '../common/openapi/api-problems.decorator';
import { ProblemDto } from '../common/openapi/problem.dto';

function snake(s: string): string {
  return s
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/-/g, '_')
    .toLowerCase();
}

/** `InstrumentsController.list` → `instruments_list`: stable, readable SDK method names. */
export function operationId(controllerKey: string, methodKey: string): string {
  return `${snake(controllerKey.replace(/Controller$/, ''))}_${snake(methodKey)}`;
}

export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('Labwire API')
    .setDescription(
      'Instruments, telemetry and lab data. Errors are application/problem+json with a stable `code`. ' +
        'Authenticate with a Bearer access token from `POST /api/v1/auth/login` or an `X-API-Key` header.',
    )
    .setVersion('1')
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' }, 'bearer')
    .addApiKey({ type: 'apiKey', in: 'header', name: 'X-API-Key' }, 'apiKey')
    .addSecurityRequirements('bearer')
    .addSecurityRequirements('apiKey')
    .build();
  const document = SwaggerModule.createDocument(app, config, {
    extraModels: [ProblemDto],
    operationIdFactory: operationId,
  });
  declareBodyProblems(document);
  return document;
}

/** Every operation that takes a body may answer 408, 413 and 415 (see createApiApp): said once, here. */
function declareBodyProblems(document: OpenAPIObject): void {
  for (const path of Object.values(document.paths)) {
    for (const method of ['post', 'put', 'patch', 'delete'] as const) {
      const operation = path[method];
      if (!operation?.requestBody) continue;
      for (const status of [408, 413, 415]) {
        operation.responses[status] ??= problemResponse(status, getSchemaPath(ProblemDto));
      }
    }
  }
}

export function setupOpenApi(app: INestApplication): OpenAPIObject {
  const document = buildOpenApiDocument(app);
  SwaggerModule.setup('docs', app, document, {
    jsonDocumentUrl: 'openapi.json',
    yamlDocumentUrl: 'openapi.yaml',
    customSiteTitle: 'Labwire API',
  });
  return document;
}
