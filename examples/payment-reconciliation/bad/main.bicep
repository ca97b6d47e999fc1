// Payment reconciliation, as first shipped: the same workflow and vault, but the identity was
// given Contributor on the whole subscription "so it can read the vault". That is far too much
// (it can change every resource in the subscription) and still not enough: Contributor has no
// data actions, and the vault uses RBAC, so reading the secret fails with 403.

@description('Location for all resources.')
param location string = resourceGroup().location

@description('Name of the Key Vault that holds the settlement API key.')
param keyVaultName string

@description('Name of the reconciliation workflow.')
param workflowName string = 'payment-reconciliation'

@description('Name of the secret the workflow reads.')
param secretName string = 'settlement-api-key'

@description('Settlement provider endpoint the workflow posts to.')
param settlementEndpoint string = 'https://settlement.contoso.example/api/reconcile'

// Contributor.
var contributorRoleId = 'b24988ac-6180-42a0-ab88-20f7382dd24c'

resource kv 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: keyVaultName
  location: location
  properties: {
    tenantId: subscription().tenantId
    sku: {
      family: 'A'
      name: 'standard'
    }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: 90
    enablePurgeProtection: true
  }
}

resource la 'Microsoft.Logic/workflows@2019-05-01' = {
  name: workflowName
  location: location
  identity: {
    type: 'SystemAssigned'
  }
  properties: {
    state: 'Enabled'
    definition: {
      '$schema': 'https://schema.management.azure.com/providers/Microsoft.Logic/schemas/2016-06-01/workflowdefinition.json#'
      contentVersion: '1.0.0.0'
      triggers: {
        Daily: {
          type: 'Recurrence'
          recurrence: {
            frequency: 'Day'
            interval: 1
          }
        }
      }
      actions: {
        Get_settlement_key: {
          type: 'Http'
          inputs: {
            method: 'GET'
            uri: 'https://${keyVaultName}.vault.azure.net/secrets/${secretName}?api-version=7.4'
            authentication: {
              type: 'ManagedServiceIdentity'
              audience: 'https://vault.azure.net'
            }
          }
          runtimeConfiguration: {
            secureData: {
              properties: [
                'inputs'
                'outputs'
              ]
            }
          }
        }
        Reconcile: {
          type: 'Http'
          runAfter: {
            Get_settlement_key: [
              'Succeeded'
            ]
          }
          inputs: {
            method: 'POST'
            uri: settlementEndpoint
            headers: {
              'x-api-key': '@{body(\'Get_settlement_key\')?[\'value\']}'
            }
            body: {
              date: '@{formatDateTime(utcNow(), \'yyyy-MM-dd\')}'
            }
          }
          runtimeConfiguration: {
            secureData: {
              properties: [
                'inputs'
              ]
            }
          }
        }
      }
    }
  }
}

module grant 'modules/subscription-role.bicep' = {
  name: 'payment-reconciliation-grant'
  scope: subscription()
  params: {
    principalId: la.identity.principalId
    roleDefinitionId: contributorRoleId
  }
}

output workflowPrincipalId string = la.identity.principalId
